package dev.aeserve.autoencoders;

import dev.aeserve.autoencoders.internal.DjlAutoencoder;
import dev.aeserve.autoencoders.internal.Engines;
import dev.aeserve.autoencoders.internal.ImportedVersions;
import java.util.Objects;

/** The entry point for serving: a spec and its weights artifact become a loaded {@link Autoencoder}. */
public final class Autoencoders {
  private Autoencoders() {}

  /**
   * Loads a version on an engine. The returned model owns native memory until closed.
   *
   * @throws IncompatibleWeightsException when the bytes are not an artifact, are corrupt, or hold
   *     layers whose count or shapes differ from the spec (the message names the first mismatch)
   * @throws IllegalStateException when the engine's native library cannot be loaded
   */
  public static Autoencoder load(AutoencoderSpec spec, byte[] weights, EngineKind engine) {
    return load(spec, weights, engine, ComputeDevice.CPU);
  }

  /**
   * Loads a version on an engine and a device. An imported version ({@link ImportArtifact}, told
   * apart by its magic) loads on the engine its manifest names instead, on the CPU, after its
   * graphs are checked against the manifest and its golden batch has run (see
   * docs/import.md).
   *
   * @throws IllegalArgumentException when the device is a GPU the engine cannot reach
   * @throws InvalidSpecException when an import's manifest disagrees with the spec (naming the field)
   */
  public static Autoencoder load(AutoencoderSpec spec, byte[] weights, EngineKind engine, ComputeDevice device) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(device, "device");
    if (ImportArtifact.isImport(weights)) {
      return ImportedVersions.load(spec, ImportArtifact.parse(weights));
    }
    Engines.requireDevice(engine, device);
    return DjlAutoencoder.load(spec, WeightsArtifact.parse(weights), engine, device);
  }

  /** Number of GPUs the engine can use here (0 for MXNet, whose published build is CPU-only). */
  public static int gpuCount(EngineKind engine) {
    return Engines.gpuCount(engine);
  }
}
