package dev.aeserve.autoencoders;

import java.util.Objects;

/**
 * The outcome of training: what to register as a new version.
 *
 * @param spec the architecture trained, including any standardization
 * @param weights a {@link WeightsArtifact} in bytes, loadable with {@link Autoencoders#load}
 * @param metrics how well it did
 */
public record TrainedModel(AutoencoderSpec spec, byte[] weights, TrainingMetrics metrics) {
  public TrainedModel {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(metrics, "metrics");
  }
}
