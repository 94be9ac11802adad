package dev.aeserve.server;

/** The server cannot take the call right now (starting, draining, loading): try again later. */
public final class ServerUnavailableException extends RuntimeException {
  public ServerUnavailableException(String message) {
    super(message);
  }
}
