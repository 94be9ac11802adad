package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Autoencoders;
import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.InvalidSpecException;

/**
 * Checks an upload before it becomes a version: the spec parses and names the model's family, the
 * calibration (if any) parses, and the weights really load under the spec. A version that exists
 * can therefore always be loaded, short of its artifact being altered afterwards.
 */
public final class UploadValidator {

  private final EngineKind engine;

  public UploadValidator(EngineKind engine) {
    this.engine = engine;
  }

  public AutoencoderSpec validate(String modelFamily, String specJson, String calibrationJson, byte[] weights) {
    AutoencoderSpec spec = AutoencoderSpec.fromJson(specJson);
    Family family = Family.fromId(modelFamily);
    if (spec.family() != family) {
      throw new InvalidSpecException("spec family '" + spec.family().id() + "' does not match the model's family '"
          + family.id() + "'");
    }
    Calibration.fromJson(calibrationJson);
    try (Autoencoder ignored = Autoencoders.load(spec, weights, engine)) {
      return spec;
    }
  }
}
