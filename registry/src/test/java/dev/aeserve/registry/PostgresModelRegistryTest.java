package dev.aeserve.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aeserve.registry.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresModelRegistryTest {

  private static final String SPEC = "{\"family\": \"dense\", \"layers\": [784, 64, 8], \"latent\": {\"dim\": 8}}";
  private static final String METRICS = "{\"val_loss\": 0.0123, \"epochs\": 5}";
  private static final String CALIBRATION = "{\"threshold\": 0.5, \"quantile\": 0.99}";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger names = new AtomicInteger();

  private static Database database;
  private static PostgresModelRegistry registry;

  @BeforeAll
  static void openRegistry() {
    database = TestPostgres.openFreshDatabase();
    registry = new PostgresModelRegistry(database);
  }

  @AfterAll
  static void closeRegistry() {
    registry.close();
    database.close();
  }

  // ---- models

  @Test
  void createGetAndListModels() {
    String name = uniqueName();
    Model created = registry.createModel(name, "dense", "digits", "alice");

    assertThat(created.name()).isEqualTo(name);
    assertThat(created.family()).isEqualTo("dense");
    assertThat(created.description()).isEqualTo("digits");
    assertThat(created.createdAt()).isNotNull();
    assertThat(registry.getModel(name)).isEqualTo(created);
    assertThat(registry.listModels()).contains(created);
  }

  @Test
  void duplicateModelIsRefused() {
    String name = uniqueName();
    registry.createModel(name, "dense", null, "alice");
    assertThatThrownBy(() -> registry.createModel(name, "vae", "", "bob"))
        .isInstanceOf(ModelAlreadyExistsException.class)
        .hasMessage("model '" + name + "' already exists");
    assertThat(registry.getModel(name).family()).isEqualTo("dense");
  }

  @Test
  void invalidNamesAreRefusedAndNothingIsWritten() throws SQLException {
    long modelsBefore = count("SELECT count(*) FROM model");
    long eventsBefore = count("SELECT count(*) FROM registry_event");
    for (String bad : List.of("Bad", "-x", "a_b", "", "x".repeat(64))) {
      assertThatThrownBy(() -> registry.createModel(bad, "dense", "", "alice"))
          .isInstanceOf(InvalidRegistryRequestException.class);
    }
    assertThatThrownBy(() -> registry.createModel("ok-name", " ", "", "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("family");
    assertThatThrownBy(() -> registry.createModel("ok-name", "dense", "", null))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("actor");
    assertThat(count("SELECT count(*) FROM model")).isEqualTo(modelsBefore);
    assertThat(count("SELECT count(*) FROM registry_event")).isEqualTo(eventsBefore);
  }

  @Test
  void unknownModelIsNotFound() {
    assertThatThrownBy(() -> registry.getModel("no-such-model"))
        .isInstanceOf(RegistryNotFoundException.class).hasMessage("model 'no-such-model' not found");
    assertThatThrownBy(() -> registry.listVersions("no-such-model")).isInstanceOf(RegistryNotFoundException.class);
    assertThatThrownBy(() -> registry.createVersion(newVersion("no-such-model", bytes("w")), "alice"))
        .isInstanceOf(RegistryNotFoundException.class).hasMessage("model 'no-such-model' not found");
  }

  // ---- versions

  @Test
  void uploadListGetRoundTripKeepsDocuments() throws Exception {
    String name = newModel();
    byte[] weights = bytes("weights-" + name);
    ModelVersion v1 = registry.createVersion(
        new NewVersion(name, SPEC, METRICS, CALIBRATION, null, weights, ArtifactStore.sha256Hex(weights)), "alice");
    ModelVersion v2 = registry.createVersion(
        new NewVersion(name, SPEC, null, null, 1, bytes("other-" + name), null), "bob");

    assertThat(v1.version()).isEqualTo(1);
    assertThat(v1.state()).isEqualTo(VersionState.READY);
    assertThat(v1.model()).isEqualTo(name);
    assertThat(v1.sizeBytes()).isEqualTo(weights.length);
    assertThat(v1.artifactSha256()).isEqualTo(ArtifactStore.sha256Hex(weights));
    assertThat(v1.createdBy()).isEqualTo("alice");
    assertThat(v1.parentVersion()).isNull();
    assertThat(v1.failureReason()).isNull();
    assertThat(JSON.readTree(v1.specJson())).isEqualTo(JSON.readTree(SPEC));
    assertThat(JSON.readTree(v1.metricsJson())).isEqualTo(JSON.readTree(METRICS));
    assertThat(JSON.readTree(v1.calibrationJson())).isEqualTo(JSON.readTree(CALIBRATION));
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.parentVersion()).isEqualTo(1);
    assertThat(v2.calibrationJson()).isNull();
    assertThat(JSON.readTree(v2.metricsJson())).isEqualTo(JSON.readTree("{}"));

    assertThat(registry.getVersion(name, 1)).isEqualTo(v1);
    assertThat(registry.listVersions(name)).containsExactly(v1, v2);
    assertThat(registry.loadArtifact(v1.artifactSha256())).isEqualTo(weights);
    assertThatThrownBy(() -> registry.getVersion(name, 3))
        .isInstanceOf(RegistryNotFoundException.class).hasMessage("version 3 of model '" + name + "' not found");
  }

  @Test
  void documentsMustBeJsonObjects() {
    String name = newModel();
    for (String notAnObject : List.of("[1, 2]", "42", "\"text\"", "null", "{\"a\": 1} trailing", "{broken", "")) {
      assertThatThrownBy(() -> registry.createVersion(
              new NewVersion(name, notAnObject, null, null, null, bytes("w"), null), "alice"))
          .isInstanceOf(InvalidRegistryRequestException.class)
          .hasMessageContaining("spec");
    }
    assertThatThrownBy(() -> registry.createVersion(
            new NewVersion(name, SPEC, "[]", null, null, bytes("w"), null), "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("metrics");
    assertThatThrownBy(() -> registry.createVersion(
            new NewVersion(name, SPEC, null, "1.5", null, bytes("w"), null), "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("calibration");
    assertThat(registry.listVersions(name)).isEmpty();
  }

  @Test
  void nulCharactersAreRefusedBeforeAnySqlRuns() {
    assertThatThrownBy(() -> registry.createModel("nul-description", "ae", "a\u0000b", "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("description contains a NUL");
    assertThatThrownBy(() -> registry.createModel("nul-actor", "ae", "", "al\u0000ice"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("actor contains a NUL");
    String name = newModel();
    assertThatThrownBy(() -> registry.createVersion(
            new NewVersion(name, SPEC, "{\"note\": \"a\\u0000b\"}", null, null, bytes("w"), null), "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("metrics must not contain NUL");
    assertThat(registry.listModels()).extracting(Model::name).doesNotContain("nul-description", "nul-actor");
    assertThat(registry.listVersions(name)).isEmpty();
  }

  @Test
  void aDescriptionOverTheDocumentedLimitIsRefused() {
    assertThatThrownBy(() -> registry.createModel("long-description", "ae", "d".repeat(1_001), "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("longer than 1000 characters");
    assertThat(registry.createModel("full-description", "ae", "d".repeat(1_000), "alice").description())
        .hasSize(1_000);
    assertThat(registry.listModels()).extracting(Model::name).doesNotContain("long-description");
  }

  @Test
  void emptyArtifactsAndMissingParentsAreRefused() {
    // The size limit is the server's (ServerConfig.maxArtifactBytes), enforced as bytes arrive.
    String name = newModel();
    assertThatThrownBy(() -> registry.createVersion(newVersion(name, new byte[0]), "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> registry.createVersion(
            new NewVersion(name, SPEC, null, null, 7, bytes("w"), null), "alice"))
        .isInstanceOf(RegistryNotFoundException.class).hasMessageContaining("parent version 7");
    assertThat(registry.listVersions(name)).isEmpty();
  }

  @Test
  void identicalContentIsStoredOnce() throws SQLException {
    String a = newModel();
    String b = newModel();
    byte[] weights = bytes("shared weights " + a);
    String sha = registry.createVersion(newVersion(a, weights), "alice").artifactSha256();
    registry.createVersion(newVersion(a, weights), "alice");
    registry.createVersion(newVersion(b, weights), "bob");

    assertThat(count("SELECT count(*) FROM artifact WHERE sha256 = '" + sha + "'")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM model_version WHERE artifact_sha256 = '" + sha + "'")).isEqualTo(3);
  }

  @Test
  void truncatedUploadLeavesNoVersionAndNoArtifact() throws SQLException {
    String name = newModel();
    byte[] full = bytes("complete weights for " + name);
    byte[] truncated = Arrays.copyOf(full, full.length - 5);
    String expected = ArtifactStore.sha256Hex(full);
    long eventsBefore = count("SELECT count(*) FROM registry_event");

    assertThatThrownBy(() -> registry.createVersion(
            new NewVersion(name, SPEC, null, null, null, truncated, expected), "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class)
        .hasMessageContaining(expected)
        .hasMessageContaining(ArtifactStore.sha256Hex(truncated));

    assertThat(registry.listVersions(name)).isEmpty();
    assertThat(count("SELECT count(*) FROM artifact WHERE sha256 IN ('" + expected + "', '"
        + ArtifactStore.sha256Hex(truncated) + "')")).isZero();
    assertThat(count("SELECT count(*) FROM registry_event")).isEqualTo(eventsBefore);
  }

  @Test
  void aFailureInsideTheTransactionRollsBackEverything() throws SQLException {
    String name = newModel();
    byte[] weights = bytes("rolled back " + name);
    // Valid JSON, but beyond what Postgres numeric can hold: the insert fails after the artifact
    // row and the version number were written in the same transaction.
    String unstorable = "{\"x\": 1e200000}";
    assertThatThrownBy(() -> registry.createVersion(
            new NewVersion(name, unstorable, null, null, null, weights, null), "alice"))
        .isInstanceOf(RegistryStorageException.class);

    assertThat(count("SELECT count(*) FROM artifact WHERE sha256 = '" + ArtifactStore.sha256Hex(weights) + "'"))
        .isZero();
    assertThat(registry.events(Optional.of(name), 10)).extracting(RegistryEvent::action)
        .containsExactly("model.create");
    assertThat(registry.createVersion(newVersion(name, weights), "alice").version()).isEqualTo(1);
  }

  @Test
  void concurrentUploadsGetDistinctConsecutiveVersions() throws Exception {
    String name = newModel();
    int uploads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(uploads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < uploads; i++) {
        byte[] weights = bytes("upload " + i + " of " + name);
        results.add(pool.submit(() -> {
          go.await();
          return registry.createVersion(newVersion(name, weights), "uploader").version();
        }));
      }
      go.countDown();
      List<Integer> versions = new ArrayList<>();
      for (Future<Integer> result : results) {
        versions.add(result.get(60, TimeUnit.SECONDS));
      }
      assertThat(versions).containsExactlyInAnyOrderElementsOf(
          IntStream.rangeClosed(1, uploads).boxed().toList());
      assertThat(registry.listVersions(name)).extracting(ModelVersion::version)
          .containsExactlyElementsOf(IntStream.rangeClosed(1, uploads).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- aliases

  @Test
  void aliasesSetMoveResolveAndDelete() {
    String name = newModel();
    registry.createVersion(newVersion(name, bytes("a" + name)), "alice");
    registry.createVersion(newVersion(name, bytes("b" + name)), "alice");

    Alias set = registry.setAlias(name, "production", 1, "alice");
    assertThat(set).extracting(Alias::model, Alias::alias, Alias::version).containsExactly(name, "production", 1);
    assertThat(registry.resolveAlias(name, "production")).isEqualTo(1);
    assertThat(registry.resolveAlias(name, "latest")).isEqualTo(2);

    registry.setAlias(name, "production", 2, "bob");
    registry.setAlias(name, "staging", 1, "bob");
    assertThat(registry.resolveAlias(name, "production")).isEqualTo(2);
    assertThat(registry.listAliases(name)).extracting(Alias::alias, Alias::version)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("production", 2),
            org.assertj.core.groups.Tuple.tuple("staging", 1));

    registry.deleteAlias(name, "staging", "bob");
    assertThatThrownBy(() -> registry.resolveAlias(name, "staging"))
        .isInstanceOf(RegistryNotFoundException.class)
        .hasMessage("alias 'staging' of model '" + name + "' not found");
    assertThatThrownBy(() -> registry.deleteAlias(name, "staging", "bob"))
        .isInstanceOf(RegistryNotFoundException.class);
  }

  @Test
  void latestIsReservedAndComputed() {
    String name = newModel();
    assertThatThrownBy(() -> registry.resolveAlias(name, "latest"))
        .isInstanceOf(RegistryNotFoundException.class).hasMessageContaining("no READY version");
    registry.createVersion(newVersion(name, bytes("1" + name)), "alice");
    registry.createVersion(newVersion(name, bytes("2" + name)), "alice");
    registry.failVersion(name, 2, "warm-up batch failed", "server");
    assertThat(registry.resolveAlias(name, "latest")).isEqualTo(1);

    assertThatThrownBy(() -> registry.setAlias(name, "latest", 1, "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("reserved");
    assertThatThrownBy(() -> registry.deleteAlias(name, "latest", "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("reserved");
    assertThatThrownBy(() -> registry.setAlias(name, "Prod", 1, "alice"))
        .isInstanceOf(InvalidRegistryRequestException.class);
  }

  @Test
  void aliasNeedsAnExistingReadyVersion() {
    String name = newModel();
    registry.createVersion(newVersion(name, bytes("1" + name)), "alice");
    registry.createVersion(newVersion(name, bytes("2" + name)), "alice");
    registry.archiveVersion(name, 1, "alice");
    registry.failVersion(name, 2, "bad weights", "server");

    assertThatThrownBy(() -> registry.setAlias(name, "production", 9, "alice"))
        .isInstanceOf(RegistryNotFoundException.class).hasMessage("version 9 of model '" + name + "' not found");
    assertThatThrownBy(() -> registry.setAlias(name, "production", 1, "alice"))
        .isInstanceOf(VersionStateException.class)
        .hasMessage("version 1 of '" + name + "' is ARCHIVED; only READY versions can take an alias");
    assertThatThrownBy(() -> registry.setAlias(name, "production", 2, "alice"))
        .isInstanceOf(VersionStateException.class).hasMessageContaining("is FAILED");
    assertThat(registry.listAliases(name)).isEmpty();
  }

  // ---- lifecycle

  @Test
  void archiveRoundTripAndRefusedWhileAliased() {
    String name = newModel();
    registry.createVersion(newVersion(name, bytes("1" + name)), "alice");
    registry.setAlias(name, "production", 1, "alice");
    registry.setAlias(name, "canary", 1, "alice");

    assertThatThrownBy(() -> registry.archiveVersion(name, 1, "alice"))
        .isInstanceOf(VersionStateException.class)
        .hasMessageContaining("canary, production");
    assertThat(registry.getVersion(name, 1).state()).isEqualTo(VersionState.READY);

    registry.deleteAlias(name, "production", "alice");
    registry.deleteAlias(name, "canary", "alice");
    ModelVersion archived = registry.archiveVersion(name, 1, "alice");
    assertThat(archived.state()).isEqualTo(VersionState.ARCHIVED);
    assertThat(registry.getVersion(name, 1)).isEqualTo(archived);
    assertThatThrownBy(() -> registry.archiveVersion(name, 1, "alice"))
        .isInstanceOf(VersionStateException.class).hasMessageContaining("only READY versions can be archived");
  }

  @Test
  void failedVersionKeepsItsNumber() {
    String name = newModel();
    registry.createVersion(newVersion(name, bytes("1" + name)), "alice");
    ModelVersion failed = registry.failVersion(name, 1, "NaN in warm-up output", "server");
    assertThat(failed.state()).isEqualTo(VersionState.FAILED);
    assertThat(failed.failureReason()).isEqualTo("NaN in warm-up output");
    assertThatThrownBy(() -> registry.failVersion(name, 1, "again", "server"))
        .isInstanceOf(VersionStateException.class);
    assertThat(registry.createVersion(newVersion(name, bytes("2" + name)), "alice").version()).isEqualTo(2);
  }

  // ---- audit log

  @Test
  void auditLogRecordsEveryChangeWithActorNewestFirst() throws Exception {
    String name = newModel(); // by "alice"
    registry.createVersion(newVersion(name, bytes("1" + name)), "bob");
    registry.createVersion(newVersion(name, bytes("2" + name)), "bob");
    registry.setAlias(name, "production", 1, "carol");
    registry.setAlias(name, "production", 2, "carol");
    registry.deleteAlias(name, "production", "dave");
    registry.archiveVersion(name, 1, "erin");
    registry.failVersion(name, 2, "broken", "server");

    List<RegistryEvent> events = registry.events(Optional.of(name), 100);
    assertThat(events).extracting(RegistryEvent::action).containsExactly(
        "version.fail", "version.archive", "alias.delete", "alias.set", "alias.set",
        "version.create", "version.create", "model.create");
    assertThat(events).extracting(RegistryEvent::actor).containsExactly(
        "server", "erin", "dave", "carol", "carol", "bob", "bob", "alice");
    assertThat(events).extracting(RegistryEvent::version).containsExactly(2, 1, 2, 2, 1, 2, 1, null);
    assertThat(events).allSatisfy(e -> assertThat(e.model()).isEqualTo(name));
    assertThat(events).extracting(RegistryEvent::id).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    RegistryEvent move = events.get(3);
    assertThat(JSON.readTree(move.detailsJson()).get("previous_version").asInt()).isEqualTo(1);
    assertThat(JSON.readTree(move.detailsJson()).get("alias").asText()).isEqualTo("production");
    assertThat(JSON.readTree(events.get(0).detailsJson()).get("reason").asText()).isEqualTo("broken");

    assertThat(registry.events(Optional.of(name), 2)).hasSize(2);
    assertThat(registry.events(Optional.empty(), 10_000)).hasSizeGreaterThanOrEqualTo(8);
    assertThatThrownBy(() -> registry.events(Optional.of("nobody-here"), 5))
        .isInstanceOf(RegistryNotFoundException.class);
    assertThatThrownBy(() -> registry.events(Optional.empty(), 0))
        .isInstanceOf(InvalidRegistryRequestException.class);
  }

  @Test
  void auditLogCannotBeRewritten() throws SQLException {
    newModel();
    try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("UPDATE registry_event SET actor = 'mallory'"))
          .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM registry_event"))
          .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
      assertThatThrownBy(() -> s.executeUpdate("TRUNCATE registry_event"))
          .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
    }
    assertThat(count("SELECT count(*) FROM registry_event WHERE actor = 'mallory'")).isZero();
  }

  // ---- artifacts

  @Test
  void tamperedArtifactIsRefusedOnLoadAndOthersStillLoad() throws SQLException {
    String name = newModel();
    byte[] good = bytes("good weights " + name);
    byte[] victim = bytes("victim weights " + name);
    String goodSha = registry.createVersion(newVersion(name, good), "alice").artifactSha256();
    String victimSha = registry.createVersion(newVersion(name, victim), "alice").artifactSha256();

    try (Connection c = database.dataSource().getConnection();
        PreparedStatement s = c.prepareStatement("UPDATE artifact SET content = ? WHERE sha256 = ?")) {
      byte[] altered = victim.clone();
      altered[0] ^= 1;
      s.setBytes(1, altered);
      s.setString(2, victimSha);
      assertThat(s.executeUpdate()).isEqualTo(1);
    }

    assertThatThrownBy(() -> registry.loadArtifact(victimSha))
        .isInstanceOf(ArtifactIntegrityException.class)
        .hasMessageStartingWith("artifact " + victimSha + " is corrupt: its content hashes to ");
    assertThat(registry.loadArtifact(goodSha)).isEqualTo(good);
    assertThatThrownBy(() -> registry.loadArtifact("0".repeat(64)))
        .isInstanceOf(RegistryNotFoundException.class);
    assertThatThrownBy(() -> registry.loadArtifact("not-a-hash"))
        .isInstanceOf(InvalidRegistryRequestException.class);
  }

  // ---- helpers

  private static String uniqueName() {
    return "model-" + names.incrementAndGet();
  }

  private static String newModel() {
    String name = uniqueName();
    registry.createModel(name, "dense", "test model", "alice");
    return name;
  }

  private static NewVersion newVersion(String model, byte[] artifact) {
    return new NewVersion(model, SPEC, METRICS, null, null, artifact, null);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static long count(String sql) throws SQLException {
    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
