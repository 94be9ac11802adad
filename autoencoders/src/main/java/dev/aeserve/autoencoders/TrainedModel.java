package dev.aeserve.autoencoders;

import java.util.Objects;

/**
 * The outcome of training: what to register as a new version.
 *
 * @param spec the architecture trained, including any standardization
 * @param weights a {@link WeightsArtifact} in bytes, loadable with {@link Autoencoders#load}
 * @param metrics how well it did
 * @param calibration the anomaly threshold from the held-out rows' scores (the spec's default
 *     score kind), or null when none was computed
 */
public record TrainedModel(AutoencoderSpec spec, byte[] weights, TrainingMetrics metrics, Calibration calibration) {
  public TrainedModel {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(metrics, "metrics");
  }

  /** A trained model without a calibration. */
  public TrainedModel(AutoencoderSpec spec, byte[] weights, TrainingMetrics metrics) {
    this(spec, weights, metrics, null);
  }
}
