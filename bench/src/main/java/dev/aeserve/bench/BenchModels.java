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

  private BenchModels() {}

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

  static void register(AeserveClient client, String name, TrainedModel m) {
    client.createModel(name, "ae", "benchmark model");
    client.uploadVersion(name, m.spec().toJson(), m.metrics().toJson(), null, m.weights());
  }
}
