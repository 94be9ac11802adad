package dev.aeserve.autoencoders;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a Reconstruct score measures for one row.
 *
 * <ul>
 *   <li>{@code MSE}: mean over the row's features of (x - x')^2.
 *   <li>{@code BCE}: mean over the row's features of the clamped binary cross-entropy
 *       ({@link ReconstructionLoss#BCE}).
 *   <li>{@code NEG_ELBO} (variational families only): the negative evidence lower bound of the
 *       row, {@code NLL(x | x') + KL(q(z|x) || N(0, I))}, evaluated deterministically at the
 *       posterior mean: mu and log-variance come from the encoder, x' = decode(mu). The NLL is a
 *       sum over features: clamped BCE for loss bce (Bernoulli), {@code 0.5 (x - x')^2 +
 *       0.5 log(2 pi)} for loss mse (unit-variance Gaussian, in input units) and
 *       {@code -x log softmax(logits)} for multvae (multinomial). The KL is
 *       {@code 0.5 * sum_k (mu_k^2 + exp(logvar_k) - 1 - logvar_k)}, with weight 1 whatever the
 *       spec's training beta: the score is the bound itself. Per-feature errors are the NLL terms.
 *   <li>{@code MSE_MAHALANOBIS} (versions whose spec has a {@link LatentDensity}): the row's
 *       reconstruction error and the density of its code, combined. With D^2 the squared
 *       Mahalanobis distance of the code (the posterior mean for variational families) from the
 *       Gaussian fitted on the training rows' codes, the score is {@code MSE * exp(eScale * z)},
 *       z = (ln(D^2 + 1e-12) - dMean) / dScale the code's standardized log distance and eScale the
 *       spread of ln MSE over the training rows: it ranks rows as the sum of the standardized log
 *       error and log distance does, so a row far off in either way scores high (an anomaly the
 *       decoder reproduces well can still sit where no training code lies, and the other way
 *       round), in MSE's units. Per-feature errors are the squared errors.
 * </ul>
 */
public enum ScoreKind {
  MSE, BCE, NEG_ELBO, MSE_MAHALANOBIS;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** mse, bce, neg_elbo or mse_mahalanobis (case-insensitive). */
  public static ScoreKind fromId(String id) {
    String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
    for (ScoreKind k : values()) {
      if (k.id().equals(wanted)) {
        return k;
      }
    }
    throw new InvalidInputException("unknown score kind '" + id + "'; use one of "
        + Arrays.stream(values()).map(ScoreKind::id).collect(Collectors.joining(", ")));
  }
}
