package dev.aeserve.cli;

import dev.aeserve.proto.v1.ScoreKind;
import java.util.Locale;
import picocli.CommandLine.Option;

/** {@code --score mse|bce|neg_elbo|mse_mahalanobis}: which per-row score Reconstruct computes. */
final class ScoreOption {

  @Option(names = "--score", paramLabel = "mse|bce|neg_elbo|mse_mahalanobis",
      description = "Per-row score (default: the version's default score, chosen when it was trained).")
  String score;

  ScoreKind kind() {
    if (score == null) {
      return ScoreKind.SCORE_KIND_UNSPECIFIED;
    }
    return switch (score.trim().toLowerCase(Locale.ROOT)) {
      case "mse" -> ScoreKind.SCORE_KIND_MSE;
      case "bce" -> ScoreKind.SCORE_KIND_BCE;
      case "neg_elbo", "-elbo" -> ScoreKind.SCORE_KIND_NEGATIVE_ELBO;
      case "mse_mahalanobis" -> ScoreKind.SCORE_KIND_MSE_MAHALANOBIS;
      default -> throw new CliException("unknown score '" + score + "'; use mse, bce, neg_elbo or mse_mahalanobis");
    };
  }

  /** The score kind's name in a calibration: mse, bce or neg_elbo. */
  static dev.aeserve.autoencoders.ScoreKind domain(ScoreKind k) {
    return switch (k) {
      case SCORE_KIND_MSE -> dev.aeserve.autoencoders.ScoreKind.MSE;
      case SCORE_KIND_BCE -> dev.aeserve.autoencoders.ScoreKind.BCE;
      case SCORE_KIND_NEGATIVE_ELBO -> dev.aeserve.autoencoders.ScoreKind.NEG_ELBO;
      case SCORE_KIND_MSE_MAHALANOBIS -> dev.aeserve.autoencoders.ScoreKind.MSE_MAHALANOBIS;
      default -> throw new IllegalArgumentException("no score kind in " + k);
    };
  }
}
