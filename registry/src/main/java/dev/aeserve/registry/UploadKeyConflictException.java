package dev.aeserve.registry;

/** An upload's idempotency key was already used, for this model, by an upload of other bytes. */
public final class UploadKeyConflictException extends RuntimeException {
  public UploadKeyConflictException(String message) {
    super(message);
  }
}
