package dev.aeserve.registry;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The versioned model registry. Every change commits in one transaction, appends to the audit
 * log with its actor, and notifies listeners (in every process sharing the database).
 *
 * <p>Errors are unchecked domain exceptions: {@link InvalidRegistryRequestException} for bad
 * input, {@link RegistryNotFoundException} for unknown names, {@link ModelAlreadyExistsException},
 * {@link VersionStateException} when a version is in the wrong state, and
 * {@link ArtifactIntegrityException} when stored weights no longer match their hash.
 */
public interface ModelRegistry {

  Model createModel(String name, String family, String description, String actor);

  Model getModel(String name);

  List<Model> listModels();

  /**
   * Stores the artifact (content-addressed, deduplicated) and creates the next version of the
   * model as READY, all in one transaction. Concurrent uploads get distinct versions.
   */
  ModelVersion createVersion(NewVersion version, String actor);

  /**
   * A new version that shares {@code parent}'s spec and weights (the artifact is referenced, not
   * copied) and carries a new calibration. The parent must be READY.
   */
  ModelVersion recalibrate(String model, int parent, String calibrationJson, String actor);

  ModelVersion getVersion(String model, int version);

  /** All versions of a model, oldest first. */
  List<ModelVersion> listVersions(String model);

  /** The version an alias points at; {@code latest} is the newest READY version. */
  int resolveAlias(String model, String alias);

  List<Alias> listAliases(String model);

  /** Points an alias at a READY version, creating or moving it. */
  Alias setAlias(String model, String alias, int version, String actor);

  void deleteAlias(String model, String alias, String actor);

  /** READY -> ARCHIVED. Aliases that still point at the version block the archive. */
  ModelVersion archiveVersion(String model, int version, String actor);

  /** Marks a PENDING or READY version FAILED with a reason (for example a load that failed). */
  ModelVersion failVersion(String model, int version, String reason, String actor);

  /** The artifact's bytes, checked against its sha256 on every load. */
  byte[] loadArtifact(String sha256);

  /** Newest first; {@code model} null for every model. */
  List<RegistryEvent> events(Optional<String> model, int limit);

  /**
   * Calls {@code listener} after each committed change, from any process sharing the database.
   * Closing the returned handle stops the calls.
   */
  AutoCloseable subscribe(Consumer<RegistryChange> listener);
}
