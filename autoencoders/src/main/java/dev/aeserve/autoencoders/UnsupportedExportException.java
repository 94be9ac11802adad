package dev.aeserve.autoencoders;

/**
 * A version whose family cannot leave aeserve in the requested format, with the family and the
 * reason in the message. A failed precondition of the version, not bad input: the same request
 * would succeed for a version of an exportable family.
 */
public final class UnsupportedExportException extends RuntimeException {
  public UnsupportedExportException(String message) {
    super(message);
  }
}
