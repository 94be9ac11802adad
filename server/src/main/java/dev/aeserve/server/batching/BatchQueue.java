package dev.aeserve.server.batching;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The queue of one (model version, RPC) pair and its batching policy. It decides when a batch is
 * ready and which whole requests, in arrival order, it holds; it never computes and never waits.
 * Time comes from a {@link Ticker}, so tests drive it with a fake clock.
 *
 * <p>Not thread-safe: its owner ({@link VersionScheduler}) calls it under one lock.
 */
public final class BatchQueue<I, O> {

  private final BatchPolicy policy;
  private final Ticker ticker;
  private final ArrayDeque<Job<I, O>> jobs = new ArrayDeque<>();
  private int queuedRows;
  /** Moving average of nanoseconds per batch, for the retry hint of a full queue. */
  private long recentBatchNanos = 1_000_000;
  /** Rows of the last batch taken from this queue; 0 until one was taken. */
  private int previousBatchRows;

  public BatchQueue(BatchPolicy policy, Ticker ticker) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  public BatchPolicy policy() {
    return policy;
  }

  /**
   * Queues a job, or refuses it at once: when the queue is full, or when the work already ahead of
   * it would outlast its deadline (the batches ahead times the recent time per batch). Refusing is
   * cheaper for everyone than queueing work that would miss its deadline anyway: the caller can
   * retry elsewhere at once, and the calls that were admitted keep their latency.
   */
  public void offer(Job<I, O> job) {
    if (!jobs.isEmpty()) {
      long batchesAhead = Math.max(1, (queuedRows + policy.maxBatchRows() - 1) / policy.maxBatchRows());
      long waitNanos = batchesAhead * recentBatchNanos;
      long retryMillis = Math.max(1, waitNanos / 1_000_000);
      if (queuedRows + job.rows() > policy.maxQueueRows()) {
        throw new QueueFullException("queue is full (" + queuedRows + " rows waiting, at most "
            + policy.maxQueueRows() + "); retry in about " + retryMillis + " ms", retryMillis);
      }
      if (job.deadlineNanos() != Job.NO_DEADLINE && job.deadlineNanos() - ticker.nanos() < waitNanos) {
        throw new QueueFullException("the " + queuedRows + " rows queued ahead take about " + waitNanos / 1_000
            + " µs, longer than the call's deadline allows; retry in about " + retryMillis + " ms", retryMillis);
      }
    }
    jobs.addLast(job);
    queuedRows += job.rows();
  }

  public boolean isEmpty() {
    return jobs.isEmpty();
  }

  public int queuedRows() {
    return queuedRows;
  }

  /** When the oldest request arrived, or {@code Long.MAX_VALUE} when empty. */
  public long oldestEnqueuedNanos() {
    Job<I, O> head = jobs.peekFirst();
    return head == null ? Long.MAX_VALUE : head.enqueuedNanos();
  }

  /**
   * Whether a batch should be sent now: full, at a preferred size, as large as the previous batch,
   * or its oldest request waited long enough.
   *
   * <p>"As large as the previous batch" is what keeps the delay from being paid where it buys
   * nothing. Callers that wait for their answers before they send again (most services, and every
   * closed-loop load) come back as a group of about the previous batch's size; once that many rows
   * are here, the rest of the delay would add latency and no rows. Under steady open-loop load a
   * batch fills to the previous size in about the time the previous one took to gather, so batches
   * stay as large as the delay made them; at low load (a batch of one) a request goes at once.
   * It only ever closes a batch earlier than the delay would, never later, and the first batch of a
   * queue waits for the delay as before. The runner is the only caller and calls it only when it
   * is free to run a batch (it runs one at a time), so an early close never queues behind a
   * running batch.
   */
  public boolean isReady() {
    if (jobs.isEmpty()) {
      return false;
    }
    return queuedRows >= policy.maxBatchRows()
        || policy.preferredBatchRows().contains(queuedRows)
        || (previousBatchRows > 0 && queuedRows >= previousBatchRows)
        || ticker.nanos() - oldestEnqueuedNanos() >= policy.maxQueueDelay().toNanos();
  }

  /**
   * When the batch will be ready by delay if nothing else arrives, in ticker nanoseconds; or
   * {@code Long.MAX_VALUE} when empty.
   */
  public long readyAtNanos() {
    return jobs.isEmpty() ? Long.MAX_VALUE : oldestEnqueuedNanos() + policy.maxQueueDelay().toNanos();
  }

  /**
   * Removes and returns the next batch: whole requests in arrival order, up to max_batch_rows (a
   * lone larger request goes alone). Requests whose caller cancelled or whose deadline passed are
   * completed exceptionally and left out: they are never computed. May return an empty list when
   * every waiting request was dropped.
   */
  public List<Job<I, O>> takeBatch() {
    long now = ticker.nanos();
    List<Job<I, O>> batch = new ArrayList<>();
    int rows = 0;
    int target = targetRows();
    while (!jobs.isEmpty()) {
      Job<I, O> next = jobs.peekFirst();
      if (dropIfDead(next, now)) {
        jobs.pollFirst();
        queuedRows -= next.rows();
        continue;
      }
      if (!batch.isEmpty() && rows + next.rows() > target) {
        break;
      }
      jobs.pollFirst();
      queuedRows -= next.rows();
      batch.add(next);
      rows += next.rows();
    }
    if (rows > 0) {
      previousBatchRows = rows;
    }
    return batch;
  }

  /** Records how long a batch took, so the retry hint of a full queue tracks reality. */
  public void recordBatchNanos(long nanos) {
    recentBatchNanos = (recentBatchNanos * 7 + nanos) / 8;
  }

  /** Completes every waiting request with {@code failure} (on shutdown without drain). */
  public void failAll(RuntimeException failure) {
    for (Job<I, O> j : jobs) {
      j.result().completeExceptionally(failure);
    }
    jobs.clear();
    queuedRows = 0;
  }

  /**
   * The largest preferred size that a prefix of whole requests can fill exactly, else max rows.
   */
  private int targetRows() {
    if (policy.preferredBatchRows().isEmpty() || queuedRows >= policy.maxBatchRows()) {
      return policy.maxBatchRows();
    }
    int best = -1;
    int prefix = 0;
    for (Job<I, O> j : jobs) {
      prefix += j.rows();
      if (prefix > policy.maxBatchRows()) {
        break;
      }
      if (policy.preferredBatchRows().contains(prefix)) {
        best = prefix;
      }
    }
    return best > 0 ? best : policy.maxBatchRows();
  }

  private static boolean dropIfDead(Job<?, ?> job, long now) {
    if (job.isCancelled()) {
      job.result().completeExceptionally(new CallCancelledException("the call was cancelled while it waited in the queue"));
      return true;
    }
    if (now - job.deadlineNanos() >= 0 && job.deadlineNanos() != Job.NO_DEADLINE) {
      job.result().completeExceptionally(new DeadlineExpiredException(
          "the deadline passed after " + (now - job.enqueuedNanos()) / 1_000 + " µs in the queue; nothing was computed"));
      return true;
    }
    return false;
  }
}
