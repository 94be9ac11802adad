package dev.aeserve.registry;

/** An unknown model, version or alias. The message names which. */
public final class RegistryNotFoundException extends RuntimeException {
  public RegistryNotFoundException(String message) {
    super(message);
  }
}
