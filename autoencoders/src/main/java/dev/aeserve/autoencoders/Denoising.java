package dev.aeserve.autoencoders;

/**
 * What Denoise returns.
 *
 * @param input the rows the model saw: the caller's, or their corruption when one was asked for
 * @param output the denoised rows
 */
public record Denoising(Matrix input, Matrix output) {}
