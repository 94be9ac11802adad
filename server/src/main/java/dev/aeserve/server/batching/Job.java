package dev.aeserve.server.batching;

import dev.aeserve.autoencoders.Matrix;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One request waiting for a batch: its rows, when it arrived, until when its caller waits, and
 * the future its result completes. The future completes exactly once: a result, or why not.
 *
 * @param <O> what the batch computes for these rows
 */
public final class Job<O> {

  /** No deadline. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  private final Matrix input;
  private final long enqueuedNanos;
  private final long deadlineNanos;
  private final BooleanSupplier cancelled;
  private final CompletableFuture<O> result = new CompletableFuture<>();

  public Job(Matrix input, long enqueuedNanos, long deadlineNanos, BooleanSupplier cancelled) {
    this.input = Objects.requireNonNull(input, "input");
    this.enqueuedNanos = enqueuedNanos;
    this.deadlineNanos = deadlineNanos;
    this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
  }

  public Matrix input() {
    return input;
  }

  public int rows() {
    return input.rows();
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
