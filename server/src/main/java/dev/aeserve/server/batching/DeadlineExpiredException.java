package dev.aeserve.server.batching;

/** The caller's deadline passed while the request waited in the queue; it was never computed. */
public final class DeadlineExpiredException extends RuntimeException {
  public DeadlineExpiredException(String message) {
    super(message);
  }
}
