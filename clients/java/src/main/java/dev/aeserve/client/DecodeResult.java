package dev.aeserve.client;

/** Decoded rows, one per latent row. */
public record DecodeResult(float[][] outputs, ServedVersion servedBy) {}
