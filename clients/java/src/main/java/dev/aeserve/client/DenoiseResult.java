package dev.aeserve.client;

import java.util.OptionalLong;

/**
 * Denoised rows.
 *
 * @param corrupted the server-side corrupted inputs, when asked; else empty
 * @param corruptionSeed the corruption's seed, when a corruption was asked
 * @param cleanErrors with a corruption: per-row MSE between the output and the clean input; else empty
 */
public record DenoiseResult(float[][] outputs, float[][] corrupted, OptionalLong corruptionSeed, float[] cleanErrors,
    ServedVersion servedBy) {}
