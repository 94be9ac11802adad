package dev.aeserve.registry;

/** A request the registry refuses as malformed: a bad model name, alias, or document. */
public final class InvalidRegistryRequestException extends RuntimeException {
  public InvalidRegistryRequestException(String message) {
    super(message);
  }
}
