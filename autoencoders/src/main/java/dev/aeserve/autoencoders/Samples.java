package dev.aeserve.autoencoders;

/**
 * What Sample returns.
 *
 * @param latent the z rows decoded, from the prior or an interpolation path
 * @param output decode(z), rows x inputDim
 * @param seed the seed used (echoed to the caller)
 */
public record Samples(Matrix latent, Matrix output, long seed) {}
