package dev.aeserve.autoencoders;

/**
 * Reconstruction quality of a model over a set of rows, averaged over all elements.
 *
 * @param rows rows evaluated
 * @param mse mean squared error
 * @param bce mean binary cross-entropy (clamped as in {@link ReconstructionLoss#BCE}); only
 *     meaningful when inputs lie in [0, 1]
 */
public record Evaluation(int rows, double mse, double bce) {}
