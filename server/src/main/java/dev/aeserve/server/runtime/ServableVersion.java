package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.registry.ModelVersion;
import java.util.Objects;

/** A registered version together with its loaded model: what a call computes with. */
public record ServableVersion(ModelVersion version, AutoencoderSpec spec, Autoencoder model, String latentFingerprint) {
  public ServableVersion {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(latentFingerprint, "latentFingerprint");
  }
}
