package dev.aeserve.registry;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * {@link ModelRegistry} on Postgres. Each change runs in one transaction that first locks the
 * model's row (so changes to one model are serialized and version numbers are allocated without
 * gaps or reuse), then writes, appends to the audit log and issues {@code NOTIFY}; any failure
 * rolls all of it back. The DAOs below hold the SQL; the rules live here.
 *
 * <p>Closing it stops the change feed, if {@link #subscribe} started one. It does not close the
 * data source.
 */
public final class PostgresModelRegistry implements ModelRegistry, AutoCloseable {

  private static final int MAX_EVENTS = 10_000;
  private static final int MAX_TEXT = 1_000;

  private final Transactor transactor;
  private final PostgresChangeFeed.ConnectionOpener feedConnections;
  private final ModelDao models = new ModelDao();
  private final VersionDao versions = new VersionDao();
  private final AliasDao aliases = new AliasDao();
  private final UploadKeyDao uploadKeys = new UploadKeyDao();
  private final ArtifactStore artifacts = new ArtifactStore();
  private final AuditLog audit = new AuditLog();
  private final RoutingChanges routing;
  private PostgresChangeFeed feed; // started by the first subscribe; guarded by this
  private boolean closed; // guarded by this

  /** Over a {@link Database}'s pool; the change feed gets its own connection outside the pool. */
  public PostgresModelRegistry(Database database) {
    this(requireNonNull(database, "database").dataSource(), database::openDedicatedConnection);
  }

  /**
   * Over a data source that opens a new physical connection each time (such as
   * {@code PGSimpleDataSource}); the change feed holds one of them for its lifetime.
   */
  public PostgresModelRegistry(DataSource dataSource) {
    this(dataSource, dataSource);
  }

  /**
   * @param dataSource where registry work gets its connections (usually a pool)
   * @param feedDataSource where the change feed gets the one connection it holds open
   */
  public PostgresModelRegistry(DataSource dataSource, DataSource feedDataSource) {
    this(dataSource, requireNonNull(feedDataSource, "feedDataSource")::getConnection);
  }

  private PostgresModelRegistry(DataSource dataSource, PostgresChangeFeed.ConnectionOpener feedConnections) {
    this.transactor = new Transactor(requireNonNull(dataSource, "dataSource"));
    this.feedConnections = feedConnections;
    SecureRandom salts = new SecureRandom();
    this.routing = new RoutingChanges(versions, aliases, new TrafficDao(), audit, salts::nextLong, this::recordChange);
  }

  @Override
  public Model createModel(String name, String family, String description, String actor) {
    ModelNames.requireModelName(name);
    requireText("family", family);
    requireActor(actor);
    String text = StorableText.require("description", description == null ? "" : description);
    if (text.length() > MAX_TEXT) {
      throw new InvalidRegistryRequestException("description is longer than " + MAX_TEXT + " characters");
    }
    return transactor.inTransaction("create model '" + name + "'", c -> {
      Model model = models.insert(c, name, family, text)
          .orElseThrow(() -> new ModelAlreadyExistsException("model '" + name + "' already exists"));
      ObjectNode details = JsonDocuments.object().put("family", family);
      recordChange(c, actor, AuditLog.MODEL_CREATE, name, null, details);
      return model;
    });
  }

  @Override
  public Model getModel(String name) {
    ModelNames.requireModelName(name);
    return transactor.read("read model '" + name + "'", c -> requireModel(c, name));
  }

  @Override
  public List<Model> listModels() {
    return transactor.read("list models", models::list);
  }

  @Override
  public ModelVersion createVersion(NewVersion version, String actor) {
    requireNonNull(version, "version");
    String name = ModelNames.requireModelName(version.model());
    requireActor(actor);
    byte[] content = version.artifact();
    if (content.length == 0) {
      throw new InvalidRegistryRequestException("artifact is empty; upload the model's weights");
    }
    String spec = JsonDocuments.requireObject("spec", version.specJson());
    String metrics = JsonDocuments.requireObject("metrics", version.metricsJson());
    String calibration = version.calibrationJson() == null
        ? null : JsonDocuments.requireObject("calibration", version.calibrationJson());
    Integer parent = version.parentVersion();
    if (parent != null && parent < 1) {
      throw new InvalidRegistryRequestException("parent version must be 1 or more, got " + parent);
    }
    String sha256 = ArtifactStore.sha256Hex(content);
    if (version.expectedSha256() != null) {
      String expected = version.expectedSha256().toLowerCase(Locale.ROOT);
      if (!ArtifactStore.isSha256Hex(expected)) {
        throw new InvalidRegistryRequestException(
            "expected sha256 '" + version.expectedSha256() + "' is not 64 hex digits");
      }
      if (!expected.equals(sha256)) {
        throw new InvalidRegistryRequestException(
            "artifact hashes to " + sha256 + " but the upload declared " + expected
                + ": it was truncated or altered on the way; upload it again");
      }
    }
    String key = version.idempotencyKey() == null || version.idempotencyKey().isEmpty()
        ? null : requireUploadKey(version.idempotencyKey());
    return transactor.inTransaction("create a version of '" + name + "'", c -> {
      Model model = lockModel(c, name);
      // Under the model's row lock, so two attempts with one key cannot both create a version.
      if (key != null) {
        Optional<UploadKeyDao.Use> used = uploadKeys.find(c, model.id(), key);
        if (used.isPresent()) {
          if (!used.get().artifactSha256().equals(sha256)) {
            throw new UploadKeyConflictException("idempotency key '" + key + "' of model '" + name
                + "' already created version " + used.get().version() + " from other bytes (sha256 "
                + used.get().artifactSha256() + ", this upload " + sha256
                + "); a new upload needs a new key");
          }
          return requireVersion(c, model, used.get().version());
        }
      }
      if (parent != null && versions.find(c, model.id(), parent).isEmpty()) {
        throw new RegistryNotFoundException("parent version " + parent + " of model '" + name + "' not found");
      }
      int number = models.allocateVersion(c, model.id());
      artifacts.store(c, sha256, content);
      ModelVersion created = versions.insertReady(
          c, model.id(), number, spec, metrics, calibration, sha256, content.length, parent, actor);
      ObjectNode details = JsonDocuments.object()
          .put("artifact_sha256", sha256)
          .put("size_bytes", content.length);
      if (key != null) {
        uploadKeys.insert(c, model.id(), key, number, sha256);
        details.put("idempotency_key", key);
      }
      if (parent != null) {
        details.put("parent_version", parent);
      }
      recordChange(c, actor, AuditLog.VERSION_CREATE, name, number, details);
      return created;
    });
  }

  @Override
  public ModelVersion recalibrate(String model, int parent, String calibrationJson, String actor) {
    String name = ModelNames.requireModelName(model);
    requireActor(actor);
    String calibration = JsonDocuments.requireObject("calibration", calibrationJson);
    return transactor.inTransaction("recalibrate version " + parent + " of '" + name + "'", c -> {
      Model m = lockModel(c, name);
      ModelVersion from = requireVersion(c, m, parent);
      if (from.state() != VersionState.READY) {
        throw new VersionStateException("version " + parent + " of '" + name + "' is " + from.state()
            + "; only a READY version can be recalibrated");
      }
      int number = models.allocateVersion(c, m.id());
      ModelVersion created = versions.insertReady(c, m.id(), number, from.specJson(), from.metricsJson(), calibration,
          from.artifactSha256(), from.sizeBytes(), parent, actor);
      recordChange(c, actor, AuditLog.VERSION_CREATE, name, number, JsonDocuments.object()
          .put("artifact_sha256", from.artifactSha256())
          .put("parent_version", parent)
          .put("reason", "recalibrate"));
      return created;
    });
  }

  @Override
  public ModelVersion getVersion(String model, int version) {
    ModelNames.requireModelName(model);
    return transactor.read("read version " + version + " of '" + model + "'",
        c -> requireVersion(c, requireModel(c, model), version));
  }

  @Override
  public List<ModelVersion> listVersions(String model) {
    ModelNames.requireModelName(model);
    return transactor.read("list versions of '" + model + "'",
        c -> versions.list(c, requireModel(c, model).id()));
  }

  @Override
  public int resolveAlias(String model, String alias) {
    ModelNames.requireModelName(model);
    ModelNames.requireAliasName(alias);
    return transactor.read("resolve alias '" + alias + "' of '" + model + "'", c -> {
      Model m = requireModel(c, model);
      if (Alias.LATEST.equals(alias)) {
        return versions.newestReady(c, m.id()).orElseThrow(() -> new RegistryNotFoundException(
            "model '" + model + "' has no READY version, so alias 'latest' points nowhere"));
      }
      return aliases.find(c, m.id(), alias).map(Alias::version).orElseThrow(() -> aliasNotFound(alias, model));
    });
  }

  /** The stored aliases; the computed {@code latest} is not among them. */
  @Override
  public List<Alias> listAliases(String model) {
    ModelNames.requireModelName(model);
    return transactor.read("list aliases of '" + model + "'",
        c -> aliases.list(c, requireModel(c, model).id()));
  }

  @Override
  public Alias setAlias(String model, String alias, int version, String actor) {
    ModelNames.requireModelName(model);
    ModelNames.requireSettableAlias(alias);
    requireActor(actor);
    return transactor.inTransaction("set alias '" + alias + "' of '" + model + "'", c -> {
      Model m = lockModel(c, model);
      ModelVersion target = requireVersion(c, m, version);
      if (target.state() != VersionState.READY) {
        throw new VersionStateException("version " + version + " of '" + model + "' is " + target.state()
            + "; only READY versions can take an alias");
      }
      Optional<Alias> previous = aliases.find(c, m.id(), alias);
      if (previous.isPresent() && previous.get().version() == version) {
        return previous.get(); // nothing changes, so nothing to record or announce
      }
      Alias updated = aliases.upsert(c, m.id(), alias, version);
      ObjectNode details = JsonDocuments.object().put("alias", alias);
      previous.ifPresentOrElse(
          p -> details.put("previous_version", p.version()), () -> details.putNull("previous_version"));
      recordChange(c, actor, AuditLog.ALIAS_SET, model, version, details);
      return updated;
    });
  }

  @Override
  public void deleteAlias(String model, String alias, String actor) {
    ModelNames.requireModelName(model);
    ModelNames.requireSettableAlias(alias);
    requireActor(actor);
    transactor.inTransaction("delete alias '" + alias + "' of '" + model + "'", c -> {
      Model m = lockModel(c, model);
      int previous = aliases.delete(c, m.id(), alias).orElseThrow(() -> aliasNotFound(alias, model));
      ObjectNode details = JsonDocuments.object().put("alias", alias).put("previous_version", previous);
      recordChange(c, actor, AuditLog.ALIAS_DELETE, model, previous, details);
      return null;
    });
  }

  /** A dropped arm of weight 0 is noted in the audit row ({@code dropped_from_traffic_split}). */
  @Override
  public ModelVersion archiveVersion(String model, int version, String actor) {
    ModelNames.requireModelName(model);
    requireActor(actor);
    return transactor.inTransaction("archive version " + version + " of '" + model + "'", c -> {
      Model m = lockModel(c, model);
      ModelVersion current = requireVersion(c, m, version);
      if (current.state() != VersionState.READY) {
        throw new VersionStateException("version " + version + " of '" + model + "' is " + current.state()
            + "; only READY versions can be archived");
      }
      List<Alias> pointing = aliases.pointingAt(c, m.id(), version);
      if (!pointing.isEmpty()) {
        String names = pointing.stream().map(Alias::alias).collect(Collectors.joining(", "));
        throw new VersionStateException("version " + version + " of '" + model
            + "' is still the target of alias(es) " + names + "; move or delete them before archiving");
      }
      boolean droppedArm = routing.releaseForArchive(c, m, version);
      ModelVersion archived = versions.updateState(c, m.id(), version, VersionState.ARCHIVED, null);
      ObjectNode details = JsonDocuments.object().put("previous_state", current.state().name());
      if (droppedArm) {
        details.put("dropped_from_traffic_split", true);
      }
      recordChange(c, actor, AuditLog.VERSION_ARCHIVE, model, version, details);
      return archived;
    });
  }

  @Override
  public ModelVersion failVersion(String model, int version, String reason, String actor) {
    ModelNames.requireModelName(model);
    requireText("reason", reason);
    requireActor(actor);
    return transactor.inTransaction("fail version " + version + " of '" + model + "'", c -> {
      Model m = lockModel(c, model);
      ModelVersion current = requireVersion(c, m, version);
      if (current.state() != VersionState.PENDING && current.state() != VersionState.READY) {
        throw new VersionStateException("version " + version + " of '" + model + "' is " + current.state()
            + "; only PENDING or READY versions can be marked FAILED");
      }
      ModelVersion failed = versions.updateState(c, m.id(), version, VersionState.FAILED, reason);
      recordChange(c, actor, AuditLog.VERSION_FAIL, model, version,
          JsonDocuments.object().put("previous_state", current.state().name()).put("reason", reason));
      return failed;
    });
  }

  @Override
  public Optional<TrafficSplit> traffic(String model) {
    ModelNames.requireModelName(model);
    return transactor.read("read the traffic split of '" + model + "'",
        c -> routing.current(c, requireModel(c, model)));
  }

  @Override
  public TrafficSplit setTraffic(String model, Map<Integer, Integer> primaries, Map<Integer, Integer> shadows,
      TrafficSplit.QualityGate gate, String actor) {
    ModelNames.requireModelName(model);
    requireActor(actor);
    RoutingChanges.Arms arms = RoutingChanges.requireValidArms(primaries, shadows);
    return transactor.inTransaction("set the traffic split of '" + model + "'",
        c -> routing.set(c, lockModel(c, model), arms, gate, actor));
  }

  @Override
  public void clearTraffic(String model, String actor) {
    ModelNames.requireModelName(model);
    requireActor(actor);
    transactor.inTransaction("clear the traffic split of '" + model + "'", c -> {
      routing.clear(c, lockModel(c, model), actor);
      return null;
    });
  }

  /** {@code alias} may be null (only the split changes); {@code latest} cannot be set. */
  @Override
  public TrafficSplit promote(String model, int version, String alias, String actor) {
    ModelNames.requireModelName(model);
    if (alias != null) {
      ModelNames.requireSettableAlias(alias);
    }
    requireActor(actor);
    return transactor.inTransaction("promote version " + version + " of '" + model + "'",
        c -> routing.promote(c, lockModel(c, model), version, alias, actor));
  }

  @Override
  public Optional<TrafficSplit> rollback(String model, String actor) {
    ModelNames.requireModelName(model);
    requireActor(actor);
    return transactor.inTransaction("roll back the routing of '" + model + "'",
        c -> routing.rollback(c, lockModel(c, model), actor));
  }

  @Override
  public SortedSet<Integer> rollbackVersions(String model) {
    ModelNames.requireModelName(model);
    return transactor.read("plan the rollback of '" + model + "'",
        c -> routing.rollbackVersions(c, requireModel(c, model)));
  }

  /**
   * Idempotent: when {@code candidate} is not a primary of weight above 0 (another server tripped it
   * first, or the split changed), nothing changes and the current split is returned.
   *
   * @throws RegistryNotFoundException when the model has no split
   */
  @Override
  public TrafficSplit tripQualityGate(String model, int candidate, String reason, String actor) {
    ModelNames.requireModelName(model);
    requireText("reason", reason);
    requireActor(actor);
    return transactor.inTransaction("trip the quality gate of version " + candidate + " of '" + model + "'",
        c -> routing.tripQualityGate(c, lockModel(c, model), candidate, reason, actor));
  }

  @Override
  public byte[] loadArtifact(String sha256) {
    if (!ArtifactStore.isSha256Hex(sha256)) {
      throw new InvalidRegistryRequestException(
          "artifact id must be 64 lower-case hex digits (a sha256), got '" + sha256 + "'");
    }
    return transactor.read("load artifact " + sha256, c -> artifacts.load(c, sha256))
        .orElseThrow(() -> new RegistryNotFoundException("artifact " + sha256 + " not found"));
  }

  @Override
  public List<RegistryEvent> events(Optional<String> model, int limit) {
    requireNonNull(model, "model");
    if (limit < 1 || limit > MAX_EVENTS) {
      throw new InvalidRegistryRequestException("limit must be between 1 and " + MAX_EVENTS + ", got " + limit);
    }
    model.ifPresent(ModelNames::requireModelName);
    return transactor.read("read the audit log", c -> {
      if (model.isPresent()) {
        requireModel(c, model.get());
      }
      return audit.recent(c, model.orElse(null), limit);
    });
  }

  /**
   * The first call opens the change feed (a dedicated connection and one thread) and returns once
   * it listens, so every change committed afterwards reaches {@code listener}.
   */
  @Override
  public AutoCloseable subscribe(Consumer<RegistryChange> listener) {
    requireNonNull(listener, "listener");
    return feed().subscribe(listener);
  }

  /** Stops the change feed, if one was started. */
  @Override
  public synchronized void close() {
    closed = true;
    if (feed != null) {
      feed.close();
      feed = null;
    }
  }

  private synchronized PostgresChangeFeed feed() {
    if (closed) {
      throw new IllegalStateException("registry is closed");
    }
    if (feed == null) {
      try {
        feed = PostgresChangeFeed.start(feedConnections);
      } catch (SQLException e) {
        throw new RegistryStorageException("could not listen for registry changes: " + e.getMessage(), e);
      }
    }
    return feed;
  }

  private void recordChange(
      Connection c, String actor, String action, String model, Integer version, ObjectNode details)
      throws SQLException {
    audit.append(c, actor, action, model, version, JsonDocuments.write(details));
    PostgresChangeFeed.publish(c, model);
  }

  private Model requireModel(Connection c, String name) throws SQLException {
    return models.find(c, name).orElseThrow(() -> modelNotFound(name));
  }

  private Model lockModel(Connection c, String name) throws SQLException {
    return models.lock(c, name).orElseThrow(() -> modelNotFound(name));
  }

  private ModelVersion requireVersion(Connection c, Model model, int version) throws SQLException {
    return versions.find(c, model.id(), version).orElseThrow(() -> new RegistryNotFoundException(
        "version " + version + " of model '" + model.name() + "' not found"));
  }

  private static RegistryNotFoundException modelNotFound(String name) {
    return new RegistryNotFoundException("model '" + name + "' not found");
  }

  private static RegistryNotFoundException aliasNotFound(String alias, String model) {
    return new RegistryNotFoundException("alias '" + alias + "' of model '" + model + "' not found");
  }

  /** At most 128 characters, no control characters: clients send a UUID. */
  private static String requireUploadKey(String key) {
    if (key.length() > 128 || key.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
      throw new InvalidRegistryRequestException("idempotency key must be 1 to 128 printable characters (clients send a"
          + " UUID), got " + key.length() + " characters");
    }
    return key;
  }

  private static void requireActor(String actor) {
    requireText("actor", actor);
  }

  private static void requireText(String what, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidRegistryRequestException(what + " is missing");
    }
    StorableText.require(what, value);
    if (value.length() > MAX_TEXT) {
      throw new InvalidRegistryRequestException(what + " is longer than " + MAX_TEXT + " characters");
    }
  }
}
