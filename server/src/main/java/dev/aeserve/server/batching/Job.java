package dev.aeserve.server.batching;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One request waiting for a batch: its input and how many rows it counts for, when it arrived,
 * until when its caller waits, and the future its result completes. The future completes exactly
 * once: a result, or why not.
 *
 * @param <I> the request's input (rows, and whatever travels with them)
 * @param <O> what the batch computes for it
 */
public final class Job<I, O> {

  /** No deadline. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  private final I input;
  private final int rows;
  private final long enqueuedNanos;
  private final long deadlineNanos;
  private final BooleanSupplier cancelled;
  private final CompletableFuture<O> result = new CompletableFuture<>();

  public Job(I input, int rows, long enqueuedNanos, long deadlineNanos, BooleanSupplier cancelled) {
    this.input = Objects.requireNonNull(input, "input");
    this.rows = rows;
    this.enqueuedNanos = enqueuedNanos;
    this.deadlineNanos = deadlineNanos;
    this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
  }

  public I input() {
    return input;
  }

  public int rows() {
    return rows;
  }

  public long enqueuedNanos() {
    return enqueuedNanos;
  }

  public long deadlineNanos() {
    return deadlineNanos;
  }

  public boolean isCancelled() {
    return cancelled.getAsBoolean();
  }

  public CompletableFuture<O> result() {
    return result;
  }
}
