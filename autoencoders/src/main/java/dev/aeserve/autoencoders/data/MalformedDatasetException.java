package dev.aeserve.autoencoders.data;

/** A data file that cannot be read as rows of numbers; the message says where and why. */
public final class MalformedDatasetException extends RuntimeException {
  public MalformedDatasetException(String message) {
    super(message);
  }

  public MalformedDatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
