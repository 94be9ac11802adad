package dev.aeserve.autoencoders;

/** Input rows that break the version's I/O contract: wrong width, NaN or Inf, no rows. */
public final class InvalidInputException extends RuntimeException {
  public InvalidInputException(String message) {
    super(message);
  }
}
