package dev.aeserve.registry;

/**
 * The registry's database failed or could not be reached. Not the caller's fault: it maps to
 * UNAVAILABLE or INTERNAL, never to a client error.
 */
public final class RegistryStorageException extends RuntimeException {
  public RegistryStorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
