package dev.aeserve.server;

/** A call without a token, or with one the registry does not know or has revoked. */
public final class UnauthenticatedException extends RuntimeException {
  public UnauthenticatedException(String message) {
    super(message);
  }
}
