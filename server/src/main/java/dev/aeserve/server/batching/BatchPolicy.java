package dev.aeserve.server.batching;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one queue forms batches. Named as in Triton's dynamic batcher.
 *
 * @param maxBatchRows a batch closes once it holds this many rows (a single larger request still
 *     runs, alone)
 * @param maxQueueDelay a batch closes once its oldest request has waited this long
 * @param maxQueueRows more queued rows than this and new requests are refused at once
 * @param preferredBatchRows batch sizes worth closing early for (for example sizes a GPU kernel is
 *     tuned for); empty for none
 * @param maxQueueWait a request is refused at once when the engine time to work through the rows
 *     queued ahead of it and its own (predicted from the version's measured service rate, {@link
 *     ServiceRate}) would exceed this: the queue is bounded by wait, not by a row count, so admitted
 *     calls keep their latency under overload. {@code maxQueueRows} stays the hard cap, and is the
 *     only bound until a batch has been measured.
 */
public record BatchPolicy(int maxBatchRows, Duration maxQueueDelay, int maxQueueRows, List<Integer> preferredBatchRows,
    Duration maxQueueWait) {

  /**
   * 20 ms of engine work ahead: ten times the default max_queue_delay, several full batches of a
   * small dense model, and well under the deadlines callers set for interactive calls.
   */
  public static final Duration DEFAULT_MAX_QUEUE_WAIT = Duration.ofMillis(20);

  public BatchPolicy {
    Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
    Objects.requireNonNull(maxQueueWait, "maxQueueWait");
    if (maxBatchRows < 1) {
      throw new IllegalArgumentException("max_batch_rows must be >= 1, got " + maxBatchRows);
    }
    if (maxQueueDelay.isNegative()) {
      throw new IllegalArgumentException("max_queue_delay must not be negative, got " + maxQueueDelay);
    }
    if (maxQueueRows < maxBatchRows) {
      throw new IllegalArgumentException("max_queue_rows (" + maxQueueRows + ") must be >= max_batch_rows ("
          + maxBatchRows + ")");
    }
    if (maxQueueWait.isNegative() || maxQueueWait.isZero()) {
      throw new IllegalArgumentException("max_queue_wait must be positive, got " + maxQueueWait);
    }
    preferredBatchRows = preferredBatchRows == null ? List.of() : List.copyOf(preferredBatchRows);
    for (int p : preferredBatchRows) {
      if (p < 1 || p > maxBatchRows) {
        throw new IllegalArgumentException("preferred batch size " + p + " must be in [1, " + maxBatchRows + "]");
      }
    }
  }

  /** A policy with the default max_queue_wait ({@link #DEFAULT_MAX_QUEUE_WAIT}). */
  public BatchPolicy(int maxBatchRows, Duration maxQueueDelay, int maxQueueRows, List<Integer> preferredBatchRows) {
    this(maxBatchRows, maxQueueDelay, maxQueueRows, preferredBatchRows, DEFAULT_MAX_QUEUE_WAIT);
  }

  /** 256 rows, 2 ms, 8192 queued rows: a batch a small dense model runs in well under a millisecond. */
  public static BatchPolicy defaults() {
    return new BatchPolicy(256, Duration.ofMillis(2), 8192, List.of());
  }

  /** Every request runs alone and at once: what "no batching" means in the benchmarks. */
  public static BatchPolicy unbatched() {
    return new BatchPolicy(1, Duration.ZERO, 8192, List.of());
  }

  public BatchPolicy withMaxBatchRows(int rows) {
    return new BatchPolicy(rows, maxQueueDelay, Math.max(maxQueueRows, rows), preferredBatchRows, maxQueueWait);
  }

  public BatchPolicy withMaxQueueDelay(Duration d) {
    return new BatchPolicy(maxBatchRows, d, maxQueueRows, preferredBatchRows, maxQueueWait);
  }

  public BatchPolicy withMaxQueueRows(int rows) {
    return new BatchPolicy(maxBatchRows, maxQueueDelay, rows, preferredBatchRows, maxQueueWait);
  }

  public BatchPolicy withMaxQueueWait(Duration wait) {
    return new BatchPolicy(maxBatchRows, maxQueueDelay, maxQueueRows, preferredBatchRows, wait);
  }
}
