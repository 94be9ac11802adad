package dev.aeserve.cli;

import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.evaluation.StrongGeneralization;
import picocli.CommandLine.Option;

/**
 * The strong-generalization split shared by {@code train} and {@code evaluate}: with the same
 * ratings file and these same values, evaluate scores exactly the users training never saw.
 */
final class RecommenderSplit {

  @Option(names = "--held-out-users", defaultValue = "0", paramLabel = "N",
      description = "Recommenders: hold out N whole users for evaluation (train: default 0, train on everyone).")
  int heldOutUsers;

  @Option(names = "--split-seed", defaultValue = "42", paramLabel = "S",
      description = "Recommenders: seed of the held-out users' draw (default: ${DEFAULT-VALUE}).")
  long splitSeed;

  @Option(names = "--fold-in", defaultValue = "0.8", paramLabel = "F",
      description = "Recommenders: share of a held-out user's history given to the model (default: ${DEFAULT-VALUE}).")
  double foldIn;

  @Option(names = "--threshold", defaultValue = "3.5", paramLabel = "RATING",
      description = "multvae, ease: ratings at or above this are interactions (default: ${DEFAULT-VALUE}).")
  float threshold;

  StrongGeneralization.Split split(Ratings ratings) {
    try {
      return StrongGeneralization.split(ratings, heldOutUsers, foldIn, splitSeed);
    } catch (IllegalArgumentException e) {
      throw new CliException("--held-out-users/--fold-in: " + e.getMessage(), e);
    }
  }
}
