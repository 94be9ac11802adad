package dev.aeserve.client;

/** Latent codes, one row per input row, and the latent space they belong to. */
public record EncodeResult(float[][] latents, String latentFingerprint, ServedVersion servedBy) {}
