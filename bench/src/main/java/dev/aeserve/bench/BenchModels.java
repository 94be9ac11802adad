package dev.aeserve.bench;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import java.util.List;

/** The benchmark's models: dense autoencoders of the sizes the workloads name, briefly trained. */
final class BenchModels {

  static final String SMALL = "w1-small";
  static final String LARGE = "w1-large";
  /** The large model's weights under a policy that never batches: the batching gain's baseline. */
  static final String LARGE_UNBATCHED = "w1-large-unbatched";
  /** The large model's weights behind a short queue: the overload figures. */
  static final String LARGE_GUARDED = "w1-large-guarded";

  /** W3: Mult-VAE over 10,000 items. */
  static final String RECOMMENDER = "w3-multvae";
  /** W4: a VAE over 784-wide rows. */
  static final String VAE = "w4-vae";
  static final int ITEMS = 10_000;
  /**
   * The large model's weights exported to ONNX and imported back (served on ONNX Runtime): the
   * imported model's batching gain and throughput beside the native one's.
   */
  static final String LARGE_ONNX = "w1-large-onnx";
  /** The imported large model under a policy that never batches: its batching gain's baseline. */
  static final String LARGE_ONNX_UNBATCHED = "w1-large-onnx-unbatched";
  /** Two versions of the large model: a primary and a shadow copying its calls. */
  static final String SHADOWED = "w1-large-shadowed";

  private BenchModels() {}

  static TrainedModel vae() {
    return train(AutoencoderSpec.vae(784, List.of(256), 32, "sigmoid", "bce", 1.0));
  }

  /** Item ids of the recommender's vocabulary: "i0" .. "i9999". */
  static List<String> itemIds() {
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      ids.add("i" + i);
    }
    return ids;
  }

  static TrainedModel recommender() {
    AutoencoderSpec spec = AutoencoderSpec.multvae(itemIds(), List.of(256), 64, 0.2, 100, 0.5);
    // 512 users with 20 random items each: enough to train real weights for a throughput test.
    java.util.Random random = new java.util.Random(1);
    float[] data = new float[512 * ITEMS];
    for (int u = 0; u < 512; u++) {
      for (int k = 0; k < 20; k++) {
        data[u * ITEMS + random.nextInt(ITEMS)] = 1;
      }
    }
    TrainingConfig config = new TrainingConfig(1, 64, 1e-3f, 0.1, 42, EngineKind.MXNET);
    return new AutoencoderTrainer(config).train(spec, new dev.aeserve.autoencoders.Matrix(512, ITEMS, data));
  }

  static TrainedModel small() {
    return train(AutoencoderSpec.dense(784, List.of(128, 64), 32, "sigmoid", "bce"));
  }

  static TrainedModel large() {
    return train(AutoencoderSpec.dense(784, List.of(1024, 256), 32, "sigmoid", "bce"));
  }

  private static TrainedModel train(AutoencoderSpec spec) {
    // Throughput does not depend on how well a model learned; one short epoch gives real weights.
    TrainingConfig config = new TrainingConfig(1, 64, 1e-3f, 0.1, 42, EngineKind.MXNET);
    return new AutoencoderTrainer(config).train(spec, SyntheticData.manifold(512, 784, 3));
  }

  /** Registers {@code m} as an imported ONNX pair (written by aeserve's exporter) under {@code name}. */
  static void registerOnnx(AeserveClient client, String name, TrainedModel m) {
    dev.aeserve.autoencoders.ImportArtifact onnx = dev.aeserve.autoencoders.internal.OnnxExporter.export(m.spec(),
        dev.aeserve.autoencoders.WeightsArtifact.parse(m.weights()));
    client.createModel(name, m.spec().family().id(), "benchmark model, imported from ONNX");
    client.uploadVersion(name, onnx.manifest().spec().toJson(), onnx.manifest().metricsJson(), null, onnx.toBytes());
  }

  static void register(AeserveClient client, String name, TrainedModel m) {
    client.createModel(name, m.spec().family().id(), "benchmark model");
    client.uploadVersion(name, m.spec().toJson(), m.metrics().toJson(), null, m.weights());
  }
}
