package dev.aeserve.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.registry.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Upload idempotency keys on a real Postgres: a retried upload gets its version back, never a second one. */
class UploadKeysTest {

  private static Database database;
  private static PostgresModelRegistry registry;

  @BeforeAll
  static void open() {
    database = TestPostgres.openFreshDatabase();
    registry = new PostgresModelRegistry(database);
  }

  @AfterAll
  static void close() {
    registry.close();
    database.close();
  }

  private static ModelVersion upload(String model, String bytes, String key) {
    return registry.createVersion(new NewVersion(model, "{}", null, null, null,
        bytes.getBytes(StandardCharsets.UTF_8), null, key), "test");
  }

  @Test
  void aRetryWithTheSameKeyAndBytesGetsTheSameVersion() {
    registry.createModel("keyed", "ae", "", "test");
    upload("keyed", "other weights", null);
    ModelVersion first = upload("keyed", "weights", "upload-1");
    ModelVersion retry = upload("keyed", "weights", "upload-1");
    assertThat(first.version()).isEqualTo(2);
    assertThat(retry.version()).isEqualTo(first.version());
    assertThat(retry.artifactSha256()).isEqualTo(first.artifactSha256());
    assertThat(registry.listVersions("keyed")).hasSize(2);
    // A new key is a new upload, even of the same bytes.
    assertThat(upload("keyed", "weights", "upload-2").version()).isEqualTo(3);
  }

  @Test
  void aKeyReusedForOtherBytesIsAConflictNamingTheVersionItMade() {
    registry.createModel("conflict", "ae", "", "test");
    ModelVersion made = upload("conflict", "weights a", "k");
    assertThatThrownBy(() -> upload("conflict", "weights b", "k"))
        .isInstanceOf(UploadKeyConflictException.class)
        .hasMessageStartingWith("idempotency key 'k' of model 'conflict' already created version " + made.version()
            + " from other bytes (sha256 " + made.artifactSha256() + ", this upload ");
    assertThat(registry.listVersions("conflict")).hasSize(1);
  }

  @Test
  void keysBelongToOneModel() {
    registry.createModel("first-of-two", "ae", "", "test");
    registry.createModel("second-of-two", "ae", "", "test");
    upload("first-of-two", "x", "shared-key");
    upload("first-of-two", "y", null);
    // The same key on another model is that model's own first use.
    ModelVersion other = upload("second-of-two", "z", "shared-key");
    assertThat(other.model()).isEqualTo("second-of-two");
    assertThat(other.version()).isEqualTo(1);
    assertThat(upload("first-of-two", "x", "shared-key").version()).isEqualTo(1);
  }
}
