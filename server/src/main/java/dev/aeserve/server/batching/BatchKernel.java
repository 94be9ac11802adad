package dev.aeserve.server.batching;

import java.util.List;

/**
 * What a batch runs: how requests' inputs merge, the model call over the merged input, and how to
 * cut the output back into each request's rows. The batcher never knows the model or the engine.
 *
 * @param <I> a request's input
 * @param <O> the output for a batch, and for one request's share of it
 */
public interface BatchKernel<I, O> {

  /** How many rows an input counts for, against max_batch_rows and max_queue_rows. */
  int rows(I input);

  /** The inputs of a batch's requests, in order, as one input. Called only for two or more. */
  I concat(List<I> inputs);

  O run(I batch);

  /** Rows {@code from} (inclusive) to {@code to} (exclusive) of a batch's output. */
  O slice(O output, int from, int to);
}
