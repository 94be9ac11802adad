package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.InputValidation;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.autoencoders.ReconstructionLoss;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.WeightsArtifact;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A dense autoencoder on a DJL engine.
 *
 * <p>Threading: the blocks and their parameters are shared and only read. Each call creates its
 * own sub-manager of the model's manager, so every array it allocates is freed when the call
 * ends, whatever the thread. Calls hold the read side of a read-write lock and {@link #close}
 * the write side, so closing waits for calls in flight and later calls fail cleanly instead of
 * touching freed native memory. MXNet computation additionally runs under
 * {@link Engines#computeLock}; PyTorch computes concurrently.
 */
public final class DjlAutoencoder implements Autoencoder {
  private final AutoencoderSpec spec;
  private final EngineKind engine;
  private final NDManager manager;
  private final SequentialBlock encoder;
  private final SequentialBlock decoder;
  private final ReconstructionLoss loss;
  private final ReentrantLock computeLock;
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;

  private DjlAutoencoder(AutoencoderSpec spec, EngineKind engine, NDManager manager,
      SequentialBlock encoder, SequentialBlock decoder) {
    this.spec = spec;
    this.engine = engine;
    this.manager = manager;
    this.encoder = encoder;
    this.decoder = decoder;
    this.loss = ReconstructionLoss.of(spec);
    this.computeLock = Engines.computeLock(engine);
  }

  /** Builds the blocks for {@code spec} on {@code engine} and loads the artifact into them. */
  public static DjlAutoencoder load(AutoencoderSpec spec, WeightsArtifact artifact, EngineKind engine) {
    NDManager manager = Engines.engine(engine).newBaseManager();
    try {
      SequentialBlock encoder = DenseBlocks.encoder(spec);
      SequentialBlock decoder = DenseBlocks.decoder(spec);
      DenseBlocks.load(encoder, artifact.encoder(), "encoder", DenseBlocks.encoderWidths(spec), manager);
      DenseBlocks.load(decoder, artifact.decoder(), "decoder", DenseBlocks.decoderWidths(spec), manager);
      return new DjlAutoencoder(spec, engine, manager, encoder, decoder);
    } catch (RuntimeException | Error e) {
      manager.close();
      throw e;
    }
  }

  @Override
  public AutoencoderSpec spec() {
    return spec;
  }

  @Override
  public EngineKind engine() {
    return engine;
  }

  @Override
  public Matrix encode(Matrix x) {
    spec.family().requireServes(Rpc.ENCODE);
    InputValidation.requireInput(spec, x);
    float[] z = compute(standardize(x), x.rows(), spec.inputDim(), encoder);
    return new Matrix(x.rows(), spec.latentDim(), z);
  }

  @Override
  public Matrix decode(Matrix z) {
    spec.family().requireServes(Rpc.DECODE);
    InputValidation.requireLatent(spec, z);
    float[] x = compute(z.data(), z.rows(), spec.latentDim(), decoder);
    return unstandardize(new Matrix(z.rows(), spec.inputDim(), x));
  }

  @Override
  public Reconstruction reconstruct(Matrix x) {
    spec.family().requireServes(Rpc.RECONSTRUCT);
    InputValidation.requireInput(spec, x);
    float[] out = compute(standardize(x), x.rows(), spec.inputDim(), encoder, decoder);
    Matrix reconstructed = unstandardize(new Matrix(x.rows(), spec.inputDim(), out));
    Matrix errors = loss.elementwise(x, reconstructed);
    return new Reconstruction(reconstructed, ReconstructionLoss.rowMeans(errors), errors);
  }

  private float[] compute(float[] input, int rows, int cols, Block... blocks) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("model is closed");
      }
      if (computeLock != null) {
        computeLock.lock();
      }
      try (NDManager call = manager.newSubManager()) {
        ParameterStore parameters = new ParameterStore(call, false);
        NDList current = new NDList(call.create(input, new Shape(rows, cols)));
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
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  private float[] standardize(Matrix x) {
    AutoencoderSpec.Standardization s = spec.standardization();
    return s == null ? x.data() : s.apply(x.data());
  }

  private Matrix unstandardize(Matrix y) {
    AutoencoderSpec.Standardization s = spec.standardization();
    if (s != null) {
      s.undoInPlace(y.data());
    }
    return y;
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        manager.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}
