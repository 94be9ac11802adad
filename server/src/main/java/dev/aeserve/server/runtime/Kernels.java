package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.server.batching.BatchKernel;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/** The batch kernels of a loaded model: each RPC's model call, and how to cut its output by rows. */
final class Kernels {

  private Kernels() {}

  static BatchKernel<Matrix> matrix(UnaryOperator<Matrix> call) {
    return new BatchKernel<>() {
      @Override
      public Matrix run(Matrix batch) {
        return call.apply(batch);
      }

      @Override
      public Matrix slice(Matrix output, int from, int to) {
        return output.slice(from, to);
      }
    };
  }

  static BatchKernel<Reconstruction> reconstruct(Autoencoder model) {
    return new BatchKernel<>() {
      @Override
      public Reconstruction run(Matrix batch) {
        return model.reconstruct(batch);
      }

      @Override
      public Reconstruction slice(Reconstruction r, int from, int to) {
        return new Reconstruction(r.output().slice(from, to), Arrays.copyOfRange(r.scores(), from, to),
            r.featureErrors().slice(from, to));
      }
    };
  }
}
