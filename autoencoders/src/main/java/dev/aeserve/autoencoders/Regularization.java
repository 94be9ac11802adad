package dev.aeserve.autoencoders;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Training-time penalties on the code z of an {@code ae} (and {@code dae}); inference is unchanged.
 * Each weight is 0 when unused.
 *
 * <ul>
 *   <li>{@code l1}: sparse autoencoder, L1 penalty: {@code l1 * mean over rows of sum_k |z_k|}.
 *   <li>{@code sparsityWeight}, {@code sparsityTarget}: sparse autoencoder, KL form: the code
 *       units' activation rates are {@code rho_k = mean over the batch of sigmoid(z_k)} (z itself
 *       is linear, so the sigmoid gives it a rate), and the penalty is
 *       {@code sparsityWeight * sum_k KL(target || rho_k)} for Bernoulli distributions.
 *   <li>{@code contractive}: contractive autoencoder, {@code contractive * mean over rows of
 *       ||J(x)||_F^2} where J is the encoder's Jacobian dz/dx. It is estimated, not computed in
 *       closed form (which exists only for one sigmoid layer): for v ~ N(0, I),
 *       E ||J v||^2 = ||J||_F^2, and J v is approximated by the finite difference
 *       {@code (enc(x + h v) - enc(x)) / h} with h = {@value #CONTRACTIVE_STEP}. One seeded
 *       direction per row and step costs one extra encoder pass and is exact for a linear encoder.
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Regularization(double l1, double sparsityWeight, double sparsityTarget, double contractive) {
  public static final double CONTRACTIVE_STEP = 1e-2;

  public Regularization {
    requireWeight("l1", l1);
    requireWeight("sparsityWeight", sparsityWeight);
    requireWeight("contractive", contractive);
    if (sparsityWeight > 0 && !(sparsityTarget > 0 && sparsityTarget < 1)) {
      throw new InvalidSpecException("regularization.sparsityTarget must be in (0, 1) when sparsityWeight is set, got "
          + sparsityTarget);
    }
  }

  public static Regularization l1(double weight) {
    return new Regularization(weight, 0, 0, 0);
  }

  public static Regularization klSparsity(double weight, double target) {
    return new Regularization(0, weight, target, 0);
  }

  public static Regularization contractive(double weight) {
    return new Regularization(0, 0, 0, weight);
  }

  private static void requireWeight(String field, double w) {
    if (!(w >= 0) || !Double.isFinite(w)) {
      throw new InvalidSpecException("regularization." + field + " must be finite and >= 0, got " + w);
    }
  }
}
