package dev.aeserve.registry;

import java.util.Objects;

/**
 * What an upload brings: the version's documents and its weights. The registry allocates the
 * version number.
 *
 * @param expectedSha256 when not null, the artifact must hash to it (a client's end-to-end check)
 * @param idempotencyKey when not null, names one logical upload: a retry with the same key and
 *     bytes returns the version the first attempt created; the same key with other bytes is refused
 */
public record NewVersion(
    String model,
    String specJson,
    String metricsJson,
    String calibrationJson,
    Integer parentVersion,
    byte[] artifact,
    String expectedSha256,
    String idempotencyKey) {

  /** An upload without an idempotency key. */
  public NewVersion(String model, String specJson, String metricsJson, String calibrationJson, Integer parentVersion,
      byte[] artifact, String expectedSha256) {
    this(model, specJson, metricsJson, calibrationJson, parentVersion, artifact, expectedSha256, null);
  }

  /** The same upload under {@code key}. */
  public NewVersion withIdempotencyKey(String key) {
    return new NewVersion(model, specJson, metricsJson, calibrationJson, parentVersion, artifact, expectedSha256, key);
  }

  public NewVersion {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(specJson, "specJson");
    Objects.requireNonNull(artifact, "artifact");
    metricsJson = metricsJson == null ? "{}" : metricsJson;
  }
}
