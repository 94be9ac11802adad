package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import dev.aeserve.autoencoders.ReconstructionLoss;

/**
 * Mean binary cross-entropy of sigmoid outputs against targets in [0, 1], clamped exactly like
 * {@link ReconstructionLoss#BCE} so training optimizes what Reconstruct reports.
 *
 * <p>Not DJL's {@code SigmoidBinaryCrossEntropyLoss(fromSigmoid=true)}: in 0.36 that branch
 * returns the log-likelihood without the minus sign, so minimizing it drives outputs away from
 * the targets (measured here: held-out MSE rose to three times the variance baseline).
 */
public final class BinaryCrossEntropy extends Loss {
  public BinaryCrossEntropy() {
    super("bce");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray p = predictions.singletonOrThrow()
        .clip(ReconstructionLoss.BCE_EPSILON, 1 - ReconstructionLoss.BCE_EPSILON);
    NDArray x = labels.singletonOrThrow().reshape(p.getShape());
    NDArray logLikelihood = x.mul(p.log()).add(x.neg().add(1).mul(p.neg().add(1).log()));
    return logLikelihood.mean().neg();
  }
}
