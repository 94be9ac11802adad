package dev.aeserve.server.batching;

/** The caller cancelled while the request waited in the queue; it was never computed. */
public final class CallCancelledException extends RuntimeException {
  public CallCancelledException(String message) {
    super(message);
  }
}
