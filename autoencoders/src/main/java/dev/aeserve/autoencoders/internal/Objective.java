package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.Regularization;
import dev.aeserve.autoencoders.ReconstructionLoss;

/**
 * The training objective of each family, as NDArray operations both engines differentiate.
 *
 * <ul>
 *   <li>ae, dae, conv_ae: the spec's loss, mean over elements (dae: of decode(encode(corrupted))
 *       against the clean rows), plus the {@link Regularization} penalties.
 *   <li>vae, cvae: per row, the NLL summed over features (clamped BCE, or half the squared
 *       error for mse) plus beta times the KL to N(0, I); mean over rows. z = mu + exp(logvar/2)
 *       eps with eps drawn in Java from the run's seed.
 *   <li>multvae: per row, -sum_i x_i log softmax(logits)_i plus beta * KL, beta annealed.
 *   <li>autorec: squared error over observed ratings only, divided by their count.
 * </ul>
 */
final class Objective {
  private final AutoencoderSpec spec;
  private volatile float beta;

  Objective(AutoencoderSpec spec) {
    this.spec = spec;
    this.beta = spec.beta() == null ? 0f : spec.beta().floatValue();
  }

  /** The KL weight for the next steps (annealing). */
  void setBeta(float beta) {
    this.beta = beta;
  }

  NDArray loss(ParameterStore ps, Block encoder, Block decoder, TrainingBatch b, boolean training) {
    Family family = spec.family();
    NDArray h = encoder.forward(ps, new NDList(b.encoderInput()), training).singletonOrThrow();
    NDArray z = h;
    NDArray kl = null;
    if (family.variational()) {
      NDList parts = h.split(2, 1);
      NDArray mu = parts.get(0);
      NDArray logVar = parts.get(1);
      z = training ? mu.add(logVar.mul(0.5f).exp().mul(b.noise())) : mu;
      kl = mu.square().add(logVar.exp()).sub(1f).sub(logVar).sum(new int[] {1}).mul(0.5f).mean();
    }
    NDArray decoderIn = spec.conditionCount() > 0 ? z.concat(b.conditions(), 1) : z;
    NDArray out = decoder.forward(ps, new NDList(decoderIn), training).singletonOrThrow();
    NDArray target = b.target();
    NDArray loss;
    if (family == Family.MULTVAE) {
      loss = out.logSoftmax(1).mul(target).sum(new int[] {1}).neg().mean();
    } else if (family == Family.AUTOREC) {
      NDArray observed = b.mask().sum();
      loss = out.sub(target).mul(b.mask()).square().sum().div(observed.maximum(1f));
    } else if (family.variational()) {
      loss = elementLosses(out, target).sum(new int[] {1}).mean();
    } else {
      loss = elementLosses(out, target).mean();
    }
    if (kl != null) {
      loss = loss.add(kl.mul(beta));
    }
    Regularization r = spec.regularization();
    if (r != null) {
      loss = loss.add(penalties(r, ps, encoder, b, z, training));
    }
    return loss;
  }

  /** Per-element losses: squared error (halved for variational mse: a unit Gaussian's NLL), or clamped BCE. */
  private NDArray elementLosses(NDArray out, NDArray target) {
    if (spec.loss().equals("bce")) {
      NDArray p = out.clip(ReconstructionLoss.BCE_EPSILON, 1 - ReconstructionLoss.BCE_EPSILON);
      return target.mul(p.log()).add(target.neg().add(1f).mul(p.neg().add(1f).log())).neg();
    }
    NDArray squared = out.sub(target).square();
    return spec.family().variational() ? squared.mul(0.5f) : squared;
  }

  private NDArray penalties(Regularization r, ParameterStore ps, Block encoder, TrainingBatch b, NDArray z,
      boolean training) {
    NDArray total = z.getManager().zeros(new ai.djl.ndarray.types.Shape());
    if (r.l1() > 0) {
      total = total.add(z.abs().sum(new int[] {1}).mean().mul((float) r.l1()));
    }
    if (r.sparsityWeight() > 0) {
      float target = (float) r.sparsityTarget();
      NDArray rate = Activation.sigmoid(z).mean(new int[] {0}).clip(1e-6, 1 - 1e-6);
      NDArray kl = rate.pow(-1).mul(target).log().mul(target)
          .add(rate.neg().add(1f).pow(-1).mul(1 - target).log().mul(1 - target))
          .sum();
      total = total.add(kl.mul((float) r.sparsityWeight()));
    }
    if (r.contractive() > 0) {
      float step = (float) Regularization.CONTRACTIVE_STEP;
      NDArray shifted = encoder.forward(ps, new NDList(b.encoderInput().add(b.direction().mul(step))), training)
          .singletonOrThrow();
      NDArray jv = shifted.sub(z).div(step);
      total = total.add(jv.square().sum(new int[] {1}).mean().mul((float) r.contractive()));
    }
    return total;
  }
}
