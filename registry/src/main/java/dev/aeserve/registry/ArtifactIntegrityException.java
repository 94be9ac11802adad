package dev.aeserve.registry;

/** Stored weights that no longer hash to their sha256: the artifact was altered or damaged. */
public final class ArtifactIntegrityException extends RuntimeException {
  public ArtifactIntegrityException(String message) {
    super(message);
  }
}
