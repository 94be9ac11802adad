package dev.aeserve.server.batching;

import dev.aeserve.autoencoders.Rpc;

/** Told about every batch, for metrics. Called on the runner thread; keep it cheap. */
public interface BatchObserver {

  BatchObserver NONE = new BatchObserver() {};

  /** A request left the queue for a batch after waiting {@code queueNanos}. */
  default void onDequeued(Rpc rpc, long queueNanos) {}

  /**
   * The rows waiting in this scheduler's queues for {@code rpc} changed by {@code delta} (requests
   * queued, taken for a batch, dropped past their deadline, failed at shutdown). Called under the
   * scheduler's lock; the running sum over a version's schedulers is its queue depth.
   */
  default void onQueuedRows(Rpc rpc, int delta) {}

  /** A batch of {@code rows} rows from {@code requests} requests ran in {@code computeNanos}. */
  default void onBatch(Rpc rpc, int requests, int rows, long computeNanos) {}
}
