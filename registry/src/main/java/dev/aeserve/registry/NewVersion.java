package dev.aeserve.registry;

import java.util.Objects;

/**
 * What an upload brings: the version's documents and its weights. The registry allocates the
 * version number.
 *
 * @param expectedSha256 when not null, the artifact must hash to it (a client's end-to-end check)
 */
public record NewVersion(
    String model,
    String specJson,
    String metricsJson,
    String calibrationJson,
    Integer parentVersion,
    byte[] artifact,
    String expectedSha256) {
  public NewVersion {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(specJson, "specJson");
    Objects.requireNonNull(artifact, "artifact");
    metricsJson = metricsJson == null ? "{}" : metricsJson;
  }
}
