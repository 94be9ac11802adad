package dev.aeserve.server.batching;

/** The queue holds as many rows as its policy allows; the caller should retry after a pause. */
public final class QueueFullException extends RuntimeException {

  private final long retryAfterMillis;

  public QueueFullException(String message, long retryAfterMillis) {
    super(message);
    this.retryAfterMillis = retryAfterMillis;
  }

  /** A hint for when the queue is likely to have room again. */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }
}
