package dev.aeserve.server;

/** Latent codes from one latent space handed to a decoder of another. */
public final class LatentSpaceMismatchException extends RuntimeException {
  public LatentSpaceMismatchException(String message) {
    super(message);
  }
}
