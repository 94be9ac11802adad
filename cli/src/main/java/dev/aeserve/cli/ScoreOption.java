package dev.aeserve.cli;

import dev.aeserve.proto.v1.ScoreKind;
import java.util.Locale;
import picocli.CommandLine.Option;

/** {@code --score mse|bce|neg_elbo}: which per-row score Reconstruct computes. */
final class ScoreOption {

  @Option(names = "--score", paramLabel = "mse|bce|neg_elbo",
      description = "Per-row score (default: the model's training loss).")
  String score;

  ScoreKind kind() {
    if (score == null) {
      return ScoreKind.SCORE_KIND_UNSPECIFIED;
    }
    return switch (score.trim().toLowerCase(Locale.ROOT)) {
      case "mse" -> ScoreKind.SCORE_KIND_MSE;
      case "bce" -> ScoreKind.SCORE_KIND_BCE;
      case "neg_elbo", "-elbo" -> ScoreKind.SCORE_KIND_NEGATIVE_ELBO;
      default -> throw new CliException("unknown score '" + score + "'; use mse, bce or neg_elbo");
    };
  }

  /** The score kind's name in a calibration: mse, bce or neg_elbo. */
  static dev.aeserve.autoencoders.ScoreKind domain(ScoreKind k) {
    return switch (k) {
      case SCORE_KIND_MSE -> dev.aeserve.autoencoders.ScoreKind.MSE;
      case SCORE_KIND_BCE -> dev.aeserve.autoencoders.ScoreKind.BCE;
      case SCORE_KIND_NEGATIVE_ELBO -> dev.aeserve.autoencoders.ScoreKind.NEG_ELBO;
      default -> throw new IllegalArgumentException("no score kind in " + k);
    };
  }
}
