package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Autoencoders;
import dev.aeserve.autoencoders.ImportArtifact;
import dev.aeserve.autoencoders.ImportManifest;
import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.InvalidSpecException;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.batching.SpecBatching;

/**
 * The one place a version's documents are checked before they are stored, on upload and on
 * recalibration: the spec parses and names the model's family; its batching block makes a valid
 * policy for every RPC the family serves; the calibration (if any) is in range and scores what the
 * family computes; the metrics' golden batch (if any) fits the spec; and the weights really load
 * under the spec. An accepted upload therefore always loads and serves, short of its artifact
 * being altered afterwards or the server's batching defaults changing under it.
 */
public final class UploadValidator {

  private final EngineKind engine;
  private final BatchingConfig batching;

  public UploadValidator(EngineKind engine, BatchingConfig batching) {
    this.engine = engine;
    this.batching = batching;
  }

  /** The spec and metrics documents a version is stored with. */
  public record Documents(String specJson, String metricsJson) {}

  /**
   * The documents an upload is stored with: as sent; or, for an import artifact sent without a
   * spec, the spec and metrics its manifest implies (as {@code aeserve import} would send them), so
   * a client can register an exported model with the artifact alone.
   */
  public static Documents documents(String specJson, String metricsJson, byte[] artifact) {
    if (!specJson.isEmpty() || !ImportArtifact.isImport(artifact)) {
      return new Documents(specJson, metricsJson);
    }
    ImportManifest manifest = ImportArtifact.parse(artifact).manifest();
    return new Documents(manifest.spec().toJson(), metricsJson.isEmpty() ? manifest.metricsJson() : metricsJson);
  }

  /** What an upload carries, parsed. */
  public record ValidatedVersion(AutoencoderSpec spec, SpecBatching batching, Calibration calibration,
      VersionMetrics metrics) {}

  public ValidatedVersion validate(String modelFamily, String specJson, String metricsJson, String calibrationJson,
      byte[] weights) {
    AutoencoderSpec spec = AutoencoderSpec.fromJson(specJson);
    Family family = Family.fromId(modelFamily);
    if (spec.family() != family) {
      throw new InvalidSpecException("spec family '" + spec.family().id() + "' does not match the model's family '"
          + family.id() + "'");
    }
    SpecBatching specBatching = SpecBatching.fromSpecJson(specJson);
    for (Rpc rpc : specBatching.perRpc().keySet()) {
      if (!family.serves(rpc)) {
        throw new InvalidSpecException("spec batching has a block for " + rpc.name().toLowerCase(java.util.Locale.ROOT)
            + ", which family '" + family.id() + "' does not serve");
      }
    }
    for (Rpc rpc : family.servedRpcs()) {
      batching.specPolicy(specBatching, rpc);
    }
    Calibration calibration = validateCalibration(spec, calibrationJson);
    VersionMetrics metrics = VersionMetrics.fromJson(metricsJson);
    if (metrics.goldenBatch() != null) {
      metrics.goldenBatch().requireFits(spec);
    }
    try (Autoencoder ignored = Autoencoders.load(spec, weights, engine)) {
      return new ValidatedVersion(spec, specBatching, calibration, metrics);
    }
  }

  /** A calibration for a version of {@code spec}, or null for none. */
  public Calibration validateCalibration(AutoencoderSpec spec, String calibrationJson) {
    Calibration calibration = Calibration.fromJson(calibrationJson);
    return calibration == null ? null : calibration.requireFits(spec);
  }
}
