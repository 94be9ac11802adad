package dev.aeserve.autoencoders;

/** Weights that do not fit the spec they were uploaded with, or that are not a weights file at all. */
public final class IncompatibleWeightsException extends RuntimeException {
  public IncompatibleWeightsException(String message, Throwable cause) {
    super(message, cause);
  }

  public IncompatibleWeightsException(String message) {
    super(message);
  }
}
