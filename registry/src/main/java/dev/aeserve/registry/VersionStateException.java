package dev.aeserve.registry;

/** A version in the wrong state for the change, such as archiving one an alias still points at. */
public final class VersionStateException extends RuntimeException {
  public VersionStateException(String message) {
    super(message);
  }
}
