package dev.aeserve.server;

/** A request over a configured size limit, such as an upload larger than the artifact limit. */
public final class LimitExceededException extends RuntimeException {
  public LimitExceededException(String message) {
    super(message);
  }
}
