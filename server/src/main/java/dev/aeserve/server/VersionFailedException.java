package dev.aeserve.server;

/** A version that could not load or failed its warm-up: it was marked FAILED and takes no traffic. */
public final class VersionFailedException extends RuntimeException {
  public VersionFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
