package dev.aeserve.registry;

/**
 * The registry's database ran out of disk space (SQLState 53100) and refused a write. Nothing
 * was written (the transaction rolled back); the same call succeeds once space is freed. Maps to
 * RESOURCE_EXHAUSTED: a resource ran out, not the caller's fault, and not a transient outage a
 * quick retry would get past.
 */
public final class RegistryOutOfSpaceException extends RuntimeException {
  public RegistryOutOfSpaceException(String message, Throwable cause) {
    super(message, cause);
  }
}
