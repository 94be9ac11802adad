package dev.aeserve.client;

/** Decoded rows, one per latent row, and the serving version's latent fingerprint. */
public record DecodeResult(float[][] outputs, ServedVersion servedBy, String latentFingerprint) {

  public DecodeResult(float[][] outputs, ServedVersion servedBy) {
    this(outputs, servedBy, "");
  }
}
