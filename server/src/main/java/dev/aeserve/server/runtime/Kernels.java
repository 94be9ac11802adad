package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.Encoding;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.autoencoders.Recommendations;
import dev.aeserve.autoencoders.Samples;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.server.batching.BatchKernel;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/** The batch kernels of a loaded model: each lane's model call, and how to cut its output by rows. */
final class Kernels {

  private Kernels() {}

  /**
   * A kernel whose requests merge by concatenating their rows. It takes only rows of its model's
   * width: {@link #rows} runs as a request is queued, so rows of another width (which admission
   * never lets through) are refused before they can share a batch with anyone.
   */
  private abstract static class RowsKernel<O> implements BatchKernel<Rows, O> {
    private final int width;

    RowsKernel(int width) {
      this.width = width;
    }

    @Override
    public int rows(Rows input) {
      if (input.x().cols() != width) {
        throw new IllegalArgumentException("rows " + input.x().cols() + " wide offered to a lane of width " + width
            + "; admission must refuse them");
      }
      return input.x().rows();
    }

    @Override
    public Rows concat(List<Rows> inputs) {
      return Rows.concat(inputs);
    }
  }

  static BatchKernel<Rows, Encoding> encode(Autoencoder model) {
    return new RowsKernel<>(model.spec().inputDim()) {
      @Override
      public Encoding run(Rows batch) {
        return model.encode(batch.x(), batch.conditions(), null);
      }

      @Override
      public Encoding slice(Encoding e, int from, int to) {
        return new Encoding(e.mean().slice(from, to), e.logVariance() == null ? null : e.logVariance().slice(from, to),
            null);
      }
    };
  }

  static BatchKernel<Rows, Matrix> decode(Autoencoder model) {
    return matrix(model.spec().latentDim(), rows -> model.decode(rows.x(), rows.conditions()));
  }

  static BatchKernel<Rows, Matrix> denoise(Autoencoder model) {
    return matrix(model.spec().inputDim(), rows -> model.denoise(rows.x()));
  }

  static BatchKernel<Rows, Reconstruction> reconstruct(Autoencoder model, ScoreKind kind) {
    return new RowsKernel<>(model.spec().inputDim()) {
      @Override
      public Reconstruction run(Rows batch) {
        return model.reconstruct(batch.x(), kind, batch.conditions());
      }

      @Override
      public Reconstruction slice(Reconstruction r, int from, int to) {
        return new Reconstruction(r.output().slice(from, to), Arrays.copyOfRange(r.scores(), from, to),
            r.featureErrors().slice(from, to));
      }
    };
  }

  /** Each Sample request runs alone: its lane's policy never puts two in one batch. */
  static BatchKernel<SampleTask, Samples> sample(Autoencoder model) {
    return new Alone<>(SampleTask::rows, t -> t.interpolates()
        ? t.endpointsAreInputs()
            ? model.interpolateInputs(t.from(), t.to(), t.steps(), t.interpolation(), t.conditions())
            : model.interpolateLatents(t.from(), t.to(), t.steps(), t.interpolation(), t.conditions())
        : model.sample(t.count(), t.seed(), t.temperature(), t.conditions()));
  }

  /** Recommend requests run alone: each carries its own ranking options. */
  static BatchKernel<RecommendTask, List<Recommendations>> recommend(Autoencoder model) {
    return new Alone<>(t -> t.users().size(), t -> model.recommend(t.users(), t.options()));
  }

  private static BatchKernel<Rows, Matrix> matrix(int width, Function<Rows, Matrix> call) {
    return new RowsKernel<>(width) {
      @Override
      public Matrix run(Rows batch) {
        return call.apply(batch);
      }

      @Override
      public Matrix slice(Matrix output, int from, int to) {
        return output.slice(from, to);
      }
    };
  }

  /** A kernel for requests that never share a batch. */
  private record Alone<I, O>(Function<I, Integer> rowCount, Function<I, O> call) implements BatchKernel<I, O> {
    @Override
    public int rows(I input) {
      return rowCount.apply(input);
    }

    @Override
    public I concat(List<I> inputs) {
      throw new IllegalStateException("these requests run alone; the lane's max_batch_rows must be 1");
    }

    @Override
    public O run(I batch) {
      return call.apply(batch);
    }

    @Override
    public O slice(O output, int from, int to) {
      throw new IllegalStateException("these requests run alone");
    }
  }
}
