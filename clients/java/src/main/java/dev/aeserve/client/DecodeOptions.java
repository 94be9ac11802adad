package dev.aeserve.client;

import java.util.List;
import java.util.Objects;

/**
 * Options of Decode.
 *
 * @param latentFingerprint the fingerprint Encode returned, or null: with it, codes from another latent space are
 *     refused (FAILED_PRECONDITION)
 * @param condition CVAE: the condition to decode under; empty otherwise
 */
public record DecodeOptions(String latentFingerprint, List<String> condition) {

  public DecodeOptions {
    condition = List.copyOf(Objects.requireNonNull(condition, "condition"));
  }

  public static DecodeOptions defaults() {
    return new DecodeOptions(null, List.of());
  }

  public DecodeOptions withFingerprint(String fingerprint) {
    return new DecodeOptions(fingerprint, condition);
  }

  public DecodeOptions withCondition(String... labels) {
    return new DecodeOptions(latentFingerprint, List.of(labels));
  }
}
