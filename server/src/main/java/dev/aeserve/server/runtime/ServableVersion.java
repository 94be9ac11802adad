package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.server.batching.VersionScheduler;
import java.util.Objects;

/**
 * A registered version with its loaded model and its batcher: what a call computes with. Calls go
 * through {@link #scheduler()}; the model itself is for work outside batches (warm-up, checks).
 */
public record ServableVersion(ModelVersion version, AutoencoderSpec spec, Autoencoder model, String latentFingerprint,
    VersionScheduler scheduler) {
  public ServableVersion {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(latentFingerprint, "latentFingerprint");
    Objects.requireNonNull(scheduler, "scheduler");
  }

  /** Drains the batcher, then frees the model's engine memory. */
  void close() {
    scheduler.close();
    model.close();
  }
}
