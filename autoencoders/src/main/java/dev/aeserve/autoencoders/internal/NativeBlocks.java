package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.WeightsArtifact;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A native version's encoder and decoder: DJL blocks built from the spec and loaded from a
 * {@link WeightsArtifact}, on MXNet or PyTorch.
 *
 * <p>The blocks and their parameters are shared and only read. Each call creates its own
 * sub-manager of the model's manager, so every array it allocates is freed when the call ends,
 * whatever the thread. MXNet computation runs under {@link Engines#computeLock}; PyTorch computes
 * concurrently.
 */
final class NativeBlocks implements EncoderDecoder {
  private final NDManager manager;
  private final SequentialBlock encoder;
  private final SequentialBlock decoder;
  private final ReentrantLock computeLock;

  private NativeBlocks(NDManager manager, SequentialBlock encoder, SequentialBlock decoder, EngineKind engine) {
    this.manager = manager;
    this.encoder = encoder;
    this.decoder = decoder;
    this.computeLock = Engines.computeLock(engine);
  }

  static NativeBlocks load(AutoencoderSpec spec, WeightsArtifact artifact, EngineKind engine, ComputeDevice device) {
    NDManager manager = Engines.engine(engine).newBaseManager(Engines.djlDevice(device));
    try {
      Architecture architecture = Architecture.of(spec);
      SequentialBlock encoder = architecture.newEncoder();
      SequentialBlock decoder = architecture.newDecoder();
      architecture.load(encoder, decoder, artifact, manager);
      return new NativeBlocks(manager, encoder, decoder, engine);
    } catch (RuntimeException | Error e) {
      manager.close();
      throw e;
    }
  }

  @Override
  public float[] encode(float[] input, int rows, int cols) {
    return compute(input, rows, cols, encoder);
  }

  @Override
  public float[] decode(float[] input, int rows, int cols) {
    return compute(input, rows, cols, decoder);
  }

  /** One engine call through both blocks, exactly as before families existed. */
  @Override
  public float[] encodeThenDecode(float[] input, int rows, int cols, int latentCols) {
    return compute(input, rows, cols, encoder, decoder);
  }

  private float[] compute(float[] input, int rows, int cols, Block... blocks) {
    if (computeLock != null) {
      computeLock.lock();
    }
    try (NDManager call = manager.newSubManager()) {
      ParameterStore parameters = new ParameterStore(call, false);
      NDList current = new NDList(EngineArrays.floats(call, input, new Shape(rows, cols)));
      for (Block block : blocks) {
        current = block.forward(parameters, current, false);
      }
      NDArray result = current.singletonOrThrow();
      return result.toFloatArray();
    } finally {
      if (computeLock != null) {
        computeLock.unlock();
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
