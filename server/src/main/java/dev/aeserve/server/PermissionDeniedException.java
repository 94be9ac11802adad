package dev.aeserve.server;

/** A valid token whose scopes do not cover the method called. */
public final class PermissionDeniedException extends RuntimeException {
  public PermissionDeniedException(String message) {
    super(message);
  }
}
