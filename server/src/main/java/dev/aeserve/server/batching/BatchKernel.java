package dev.aeserve.server.batching;

import dev.aeserve.autoencoders.Matrix;

/**
 * What a batch runs: the model call over the rows of many requests, and how to cut the result
 * back into each request's rows. The batcher never knows the model or the engine.
 */
public interface BatchKernel<O> {

  O run(Matrix batch);

  /** Rows {@code from} (inclusive) to {@code to} (exclusive) of a batch's output. */
  O slice(O output, int from, int to);
}
