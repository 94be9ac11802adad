package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.registry.ModelVersion;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names a latent space, so that Decode can refuse codes produced by another encoder.
 *
 * <p>The hash covers the model, the weights (their sha256) and the latent part of the spec
 * (family and latent size). It uses the weights rather than the version number on purpose: a
 * version derived from another that shares its weights (a recalibration) shares its latent space,
 * and its codes decode correctly; retrained weights never do, whatever their version.
 */
public final class LatentFingerprint {

  private LatentFingerprint() {}

  public static String of(ModelVersion version, AutoencoderSpec spec) {
    String material = String.join("\n",
        "aeserve-latent-v1",
        version.model(),
        version.artifactSha256(),
        spec.family().id(),
        Integer.toString(spec.latentDim()));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8));
      return "lf1:" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
