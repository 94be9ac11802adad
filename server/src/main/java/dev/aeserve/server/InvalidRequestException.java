package dev.aeserve.server;

/** A request the server refuses before any model sees it: empty, malformed or over a row limit. */
public final class InvalidRequestException extends RuntimeException {
  public InvalidRequestException(String message) {
    super(message);
  }
}
