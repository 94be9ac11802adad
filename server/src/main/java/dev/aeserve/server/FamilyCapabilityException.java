package dev.aeserve.server;

/** An option the version's family cannot honour, such as sampling z from a deterministic encoder. */
public final class FamilyCapabilityException extends RuntimeException {
  public FamilyCapabilityException(String message) {
    super(message);
  }
}
