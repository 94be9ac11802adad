package dev.aeserve.autoencoders.internal;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.IncompatibleWeightsException;
import dev.aeserve.autoencoders.WeightsArtifact;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * EASE as blocks, so it loads and serves through the same engine path as every other family: the
 * encoder is the identity (a user's code is their item vector) and the decoder one bias-free
 * Linear layer holding the item-item weights. The artifact is the ordinary two-section one.
 */
public final class EaseBlocks {
  private EaseBlocks() {}

  static SequentialBlock encoder() {
    return new SequentialBlock();
  }

  static SequentialBlock decoder(AutoencoderSpec spec) {
    return new SequentialBlock().add(Linear.builder().setUnits(spec.inputDim()).optBias(false).build());
  }

  /**
   * The artifact of weights B (row-major items x items, scores = x B), written through the blocks
   * on {@code engine}.
   */
  public static WeightsArtifact artifact(AutoencoderSpec spec, float[] weights, EngineKind engine) {
    int n = spec.inputDim();
    if (weights.length != n * n) {
      throw new IllegalArgumentException(weights.length + " weights for " + n + " items");
    }
    // Linear computes x W^T with W stored (out, in), so W is B transposed.
    float[] transposed = new float[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        transposed[j * n + i] = weights[i * n + j];
      }
    }
    ReentrantLock lock = Engines.computeLock(engine);
    if (lock != null) {
      lock.lock();
    }
    try (NDManager manager = Engines.engine(engine).newBaseManager()) {
      SequentialBlock encoder = encoder();
      SequentialBlock decoder = decoder(spec);
      encoder.initialize(manager, DataType.FLOAT32, new Shape(1, n));
      decoder.initialize(manager, DataType.FLOAT32, new Shape(1, n));
      weight(decoder).getArray().set(FloatBuffer.wrap(transposed));
      return DenseBlocks.save(encoder, decoder);
    } finally {
      if (lock != null) {
        lock.unlock();
      }
    }
  }

  /** Loads both sections, checking the weight matrix is items x items. */
  static void load(AutoencoderSpec spec, SequentialBlock encoder, SequentialBlock decoder, WeightsArtifact artifact,
      NDManager manager) {
    int n = spec.inputDim();
    read(encoder, artifact.encoder(), "encoder", manager);
    read(decoder, artifact.decoder(), "decoder", manager);
    Parameter w = weight(decoder);
    if (!w.isInitialized() || !w.getArray().getShape().equals(new Shape(n, n))) {
      throw new IncompatibleWeightsException("ease decoder weight is "
          + (w.isInitialized() ? w.getArray().getShape().toString() : "missing") + " in the artifact, spec wants "
          + n + "x" + n + " (items x items)");
    }
  }

  private static void read(SequentialBlock block, byte[] bytes, String section, NDManager manager) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      block.loadParameters(FencedManager.around(manager), in);
      if (in.available() > 0) {
        throw new IncompatibleWeightsException(section + " section has " + in.available()
            + " bytes left after ease's blocks: the artifact is not an ease artifact");
      }
    } catch (IOException | MalformedModelException | RuntimeException e) {
      if (e instanceof IncompatibleWeightsException iwe) {
        throw iwe;
      }
      throw new IncompatibleWeightsException(section + " section is not ease parameters: " + e.getMessage(), e);
    }
  }

  private static Parameter weight(SequentialBlock decoder) {
    return decoder.getChildren().get(0).getValue().getParameters().get("weight");
  }
}
