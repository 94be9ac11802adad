package dev.aeserve.registry;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
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

  /**
   * READY -> ARCHIVED. Aliases that still point at the version block the archive, and so does the
   * traffic split while the version is a shadow or a primary of weight above 0. A primary arm of
   * weight 0 (say, a candidate whose quality gate tripped) is dropped from the split.
   */
  ModelVersion archiveVersion(String model, int version, String actor);

  /**
   * Marks a PENDING or READY version FAILED with a reason (for example a load that failed). Its arm in
   * the traffic split, if any, stays: servers route around a version they cannot serve, and the
   * split changes only by an explicit routing change.
   */
  ModelVersion failVersion(String model, int version, String reason, String actor);

  /** The model's traffic split, if it has one. */
  Optional<TrafficSplit> traffic(String model);

  /**
   * Replaces the model's traffic split. Primary weights must sum to 100, every version must be
   * READY, and no version may be both primary and shadow. Buckets move as little as the new
   * weights allow. Recorded as {@code traffic.set} with the previous split.
   *
   * @param primaries version to weight, each 0..100, summing to 100
   * @param shadows version to sampling percentage, each 1..100; may be empty
   * @param gate optional quality gate, or null
   */
  TrafficSplit setTraffic(String model, Map<Integer, Integer> primaries, Map<Integer, Integer> shadows,
      TrafficSplit.QualityGate gate, String actor);

  /** Removes the model's split (calls without a selector then go to the newest READY version). */
  void clearTraffic(String model, String actor);

  /**
   * Sends all of the model's traffic to {@code version} in one transaction: the split becomes 100%
   * that version (shadows other than it are kept), and {@code alias}, when given, points at it.
   * Recorded as {@code promote} with the previous routing.
   */
  TrafficSplit promote(String model, int version, String alias, String actor);

  /**
   * Restores the routing (split and aliases it changed) from before the model's most recent
   * routing change (promote, traffic.set, traffic.clear, traffic.gate or rollback), as recorded in
   * the audit log.
   * Recorded as {@code rollback}.
   *
   * @throws VersionStateException when there is nothing to roll back, or a version it would restore
   *     is no longer READY
   */
  Optional<TrafficSplit> rollback(String model, String actor);

  /**
   * The versions the routing that {@link #rollback} would restore sends traffic to (primaries of
   * weight above 0, shadows, aliases), changing nothing: what a server warms up before it rolls back.
   *
   * @throws VersionStateException when there is nothing to roll back
   */
  SortedSet<Integer> rollbackVersions(String model);

  /**
   * The quality gate tripped: {@code candidate}'s weight goes to 0, its share to the heaviest
   * other primary. Recorded as {@code traffic.gate} with {@code reason}.
   */
  TrafficSplit tripQualityGate(String model, int candidate, String reason, String actor);

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
