package dev.aeserve.registry;

/** A model name that is already taken. */
public final class ModelAlreadyExistsException extends RuntimeException {
  public ModelAlreadyExistsException(String message) {
    super(message);
  }
}
