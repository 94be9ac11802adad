package dev.aeserve.registry;

import java.time.Instant;

/**
 * One immutable version of a model. JSON documents (spec, metrics, calibration) are kept as text:
 * the registry stores them and does not interpret them, the model families do.
 *
 * @param calibrationJson null when the version has no calibration
 * @param parentVersion the version this one was derived from (for example a recalibration), or null
 * @param failureReason why the version is FAILED, or null
 */
public record ModelVersion(
    String model,
    int version,
    VersionState state,
    String specJson,
    String metricsJson,
    String calibrationJson,
    String artifactSha256,
    long sizeBytes,
    Integer parentVersion,
    String createdBy,
    Instant createdAt,
    String failureReason) {}
