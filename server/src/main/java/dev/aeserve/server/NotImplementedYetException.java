package dev.aeserve.server;

/**
 * A call that is part of the v1 contract but not yet served by this build. It maps to
 * UNIMPLEMENTED, which is what gRPC itself answers for an unknown method, so callers can tell it
 * apart from a call their model's family does not serve (FAILED_PRECONDITION).
 */
public final class NotImplementedYetException extends RuntimeException {
  public NotImplementedYetException(String message) {
    super(message);
  }
}
