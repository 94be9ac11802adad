package dev.aeserve.autoencoders;

/** A model spec that cannot describe a working autoencoder (unknown family, bad sizes, ...). */
public final class InvalidSpecException extends RuntimeException {
  public InvalidSpecException(String message) {
    super(message);
  }
}
