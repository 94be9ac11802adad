package dev.aeserve.cli;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.ItemVocabulary;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.evaluation.Auroc;
import dev.aeserve.autoencoders.evaluation.RankingMetrics;
import dev.aeserve.autoencoders.evaluation.RecommenderEvaluator;
import dev.aeserve.autoencoders.evaluation.ReconstructionReport;
import dev.aeserve.autoencoders.evaluation.StrongGeneralization;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.proto.v1.Interaction;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.RecommendResponse;
import dev.aeserve.proto.v1.ScoreKind;
import dev.aeserve.proto.v1.ScoredItem;
import dev.aeserve.proto.v1.ServedBy;
import dev.aeserve.proto.v1.UserHistory;
import dev.aeserve.proto.v1.VersionInfo;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aeserve evaluate}: how well a served version does, measured through the server.
 *
 * <p>For the reconstruction families: MSE, BCE and PSNR (for data in [0, 1]) beside the MSE of
 * predicting each feature's mean, and AUROC when anomaly labels are given. For the recommenders:
 * Recall@20, Recall@50 and NDCG@100 beside the popularity and EASE baselines, either under strong
 * generalization with the held-out users drawn exactly as {@code aeserve train} drew them from the
 * same ratings file with the same {@code --held-out-users} and {@code --split-seed}, or on a
 * prepared split (training, test fold-in and test held-out files). Every held-out item counts.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Reconstruction metrics (and AUROC), or strong-generalization ranking metrics, through the server.")
final class EvaluateCommand implements Runnable {

  /** Users per Recommend call; 100 items each keeps a response small. */
  private static final int USERS_PER_CALL = 256;
  private static final int DEPTH = 100;

  @Option(names = "--model", required = true, paramLabel = "NAME[:VERSION|@ALIAS]", description = "Model to evaluate.")
  String model;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--data", paramLabel = "FILE", description = "Test rows: IDX images or CSV.")
    Path data;

    @Option(names = "--ratings", paramLabel = "FILE", description = "Recommenders: the ratings file the model was trained from.")
    Path ratings;

    @Option(names = "--train", paramLabel = "FILE",
        description = "Recommenders, a prepared split: the training users' ratings (for the baselines); with"
            + " --test-fold-in and --test-held-out.")
    Path train;
  }

  @Option(names = "--test-fold-in", paramLabel = "FILE",
      description = "With --train: the test users' ratings given to the model.")
  Path testFoldIn;

  @Option(names = "--test-held-out", paramLabel = "FILE",
      description = "With --train: the test users' ratings the model should rank; every one counts, unknown items"
          + " as misses.")
  Path testHeldOut;

  @Option(names = "--labels", paramLabel = "FILE", description = "Anomaly labels, 0 or 1 per row: adds AUROC.")
  Path labels;

  @Option(names = "--conditions", paramLabel = "FILE", description = "cvae: a condition label per row.")
  Path conditions;

  @Option(names = "--reference", paramLabel = "FILE",
      description = "Rows whose per-feature mean is the baseline's prediction, such as the training data"
          + " (default: the evaluated rows themselves).")
  Path reference;

  @Option(names = "--max-rows", description = "Evaluate the first N rows only.")
  Integer maxRows;

  @Mixin
  ScoreOption score;

  @Mixin
  RecommenderSplit split;

  @Mixin
  ServerOption server;

  @Override
  public void run() {
    ModelSelector selector = Wire.selector(model);
    try (AeserveClient client = server.connect()) {
      if (source.data != null) {
        reconstruction(client, selector, System.out);
      } else {
        ranking(client, selector, System.out);
      }
    }
  }

  private void reconstruction(AeserveClient client, ModelSelector selector, PrintStream out) {
    Matrix x = TrainCommand.read(source.data, maxRows);
    float[][] rows = x.toArray();
    List<String> labelsPerRow = conditions == null ? List.of() : LabelFile.read(conditions, x.rows());
    ServerScoring.Scores mse = ServerScoring.score(client, selector, rows, labelsPerRow, ScoreKind.SCORE_KIND_MSE);
    ServedBy servedBy = mse.servedBy();
    Wire.served(System.err, servedBy);
    ModelSelector pinned = ModelSelector.version(servedBy.getModel(), servedBy.getVersion());
    boolean unit = TrainCommand.inUnitRange(x);
    Matrix ref = reference == null ? x : TrainCommand.read(reference, null);
    double meanMse = ServerScoring.mean(mse.values());
    double baseline = ReconstructionReport.meanBaselineMse(ref, x);
    out.printf(Locale.ROOT, "model      %s:%d (%s)%n", servedBy.getModel(), servedBy.getVersion(), servedBy.getFamily());
    out.printf(Locale.ROOT, "rows       %d of %s%n", x.rows(), source.data);
    out.printf(Locale.ROOT, "mse        %.6f%n", meanMse);
    out.printf(Locale.ROOT, "baseline   %.6f  (MSE of predicting each feature's mean over %s)%n", baseline,
        reference == null ? "these rows" : reference.toString());
    out.printf(Locale.ROOT, "ratio      %.3f  (mse / baseline; lower is better)%n", meanMse / baseline);
    if (unit) {
      ServerScoring.Scores bce = ServerScoring.score(client, pinned, rows, labelsPerRow, ScoreKind.SCORE_KIND_BCE);
      out.printf(Locale.ROOT, "bce        %.6f%n", ServerScoring.mean(bce.values()));
      out.printf(Locale.ROOT, "psnr       %.2f dB%n", ReconstructionReport.psnr(meanMse));
    }
    if (labels != null) {
      boolean[] anomalous = LabelFile.anomalies(labels, x.rows());
      ServerScoring.Scores s = score.kind() == ScoreKind.SCORE_KIND_MSE ? mse
          : ServerScoring.score(client, pinned, rows, labelsPerRow, score.kind());
      double auroc;
      try {
        auroc = Auroc.of(s.values(), anomalous);
      } catch (IllegalArgumentException e) {
        throw new CliException(labels + ": " + e.getMessage(), e);
      }
      out.printf(Locale.ROOT, "auroc      %.4f  (%s score against %s)%n", auroc, kindName(s.kind()), labels);
    }
  }

  private void ranking(AeserveClient client, ModelSelector selector, PrintStream out) {
    String family = client.getModel(selector.name()).getModel().getFamily();
    Ratings training;
    List<StrongGeneralization.TestUser> test;
    String protocol;
    if (source.train != null) {
      if (testFoldIn == null || testHeldOut == null) {
        throw new CliException("--train needs --test-fold-in FILE and --test-held-out FILE (a prepared split)");
      }
      training = TrainCommand.readRatings(source.train, family, split.threshold);
      test = preparedUsers(TrainCommand.readRatings(testFoldIn, family, split.threshold),
          TrainCommand.readRatings(testHeldOut, family, split.threshold));
      protocol = "prepared split: " + testFoldIn + " folded in, " + testHeldOut + " scored";
    } else {
      if (testFoldIn != null || testHeldOut != null) {
        throw new CliException("--test-fold-in and --test-held-out go with --train, not --ratings");
      }
      if (split.heldOutUsers < 1) {
        throw new CliException("--held-out-users must name how many users training held out (the same number and"
            + " --split-seed as aeserve train)");
      }
      StrongGeneralization.Split s = split.split(TrainCommand.readRatings(source.ratings, family, split.threshold));
      training = s.training();
      test = s.test();
      protocol = String.format(Locale.ROOT, "strong generalization: %.0f%% of each history folded in, the rest scored",
          split.foldIn * 100);
    }
    if (test.isEmpty()) {
      throw new CliException("no test user has both a fold-in and a held-out item");
    }
    // A history with no known item fails a whole Recommend call, so first resolve the version (with
    // the longest history, which surely holds a known item), then ask only for users it can score;
    // the others get an empty ranking and count as zero.
    StrongGeneralization.TestUser longest = test.stream()
        .max(java.util.Comparator.comparingInt(u -> u.foldIn().size())).orElseThrow();
    ServedBy servedBy = recommend(client, selector, List.of(longest)).getServedBy();
    Wire.served(System.err, servedBy);
    ModelSelector pinned = ModelSelector.version(servedBy.getModel(), servedBy.getVersion());
    ItemVocabulary vocabulary = ItemVocabulary.of(spec(client, servedBy));
    List<StrongGeneralization.TestUser> asked = new ArrayList<>();
    for (StrongGeneralization.TestUser u : test) {
      if (u.foldIn().stream().anyMatch(x -> vocabulary.indexOf(x.itemId()) >= 0)) {
        asked.add(u);
      }
    }
    Map<String, List<String>> byUser = new HashMap<>();
    for (int from = 0; from < asked.size(); from += USERS_PER_CALL) {
      List<StrongGeneralization.TestUser> slice = asked.subList(from, Math.min(asked.size(), from + USERS_PER_CALL));
      RecommendResponse r = recommend(client, pinned, slice);
      for (int i = 0; i < slice.size(); i++) {
        byUser.put(slice.get(i).userId(), r.getUsers(i).getItemsList().stream().map(ScoredItem::getItemId).toList());
      }
    }
    List<List<String>> rankings = new ArrayList<>();
    for (StrongGeneralization.TestUser u : test) {
      rankings.add(byUser.getOrDefault(u.userId(), List.of()));
    }
    RankingMetrics modelMetrics = RecommenderEvaluator.of(test, rankings);
    RankingMetrics popularity = RecommenderEvaluator.popularity(training, test);
    long started = System.nanoTime();
    RecommenderEvaluator.EaseBaseline ease = RecommenderEvaluator.ease(training, test, split.splitSeed);
    double easeSeconds = (System.nanoTime() - started) / 1e9;
    long unknown = test.stream().flatMap(u -> u.heldOut().stream()).filter(id -> vocabulary.indexOf(id) < 0).count();
    long heldOutItems = test.stream().mapToLong(u -> u.heldOut().size()).sum();
    out.printf(Locale.ROOT, "model      %s:%d (%s)%n", servedBy.getModel(), servedBy.getVersion(), servedBy.getFamily());
    out.printf(Locale.ROOT, "users      %d (%s)%n", modelMetrics.users(), protocol);
    out.printf(Locale.ROOT, "held out   %d items, %d outside the model's vocabulary (counted as misses); %d users"
        + " with no known fold-in item (counted as zero)%n", heldOutItems, unknown, test.size() - asked.size());
    out.println("           recall@20  recall@50  ndcg@100");
    row(out, "model", modelMetrics, "");
    row(out, "popularity", popularity, "");
    row(out, "ease", ease.metrics(), String.format(Locale.ROOT, "  (lambda %s chosen on a tenth of the training users;"
        + " fitted in %.1f s)", ease.lambda(), easeSeconds));
  }

  private static void row(PrintStream out, String name, RankingMetrics m, String note) {
    out.printf(Locale.ROOT, "%-10s %.4f     %.4f     %.4f%s%n", name, m.recallAt20(), m.recallAt50(), m.ndcgAt100(), note);
  }

  /**
   * The test users of a prepared split: every user with held-out ratings, given their fold-in
   * ratings (possibly none: such a user counts as zero).
   */
  static List<StrongGeneralization.TestUser> preparedUsers(Ratings foldIn, Ratings heldOut) {
    Map<String, List<dev.aeserve.autoencoders.Interaction>> histories = foldIn.byUser();
    List<StrongGeneralization.TestUser> users = new ArrayList<>();
    for (Map.Entry<String, List<dev.aeserve.autoencoders.Interaction>> e : heldOut.byUser().entrySet()) {
      Set<String> items = new LinkedHashSet<>();
      e.getValue().forEach(x -> items.add(x.itemId()));
      users.add(new StrongGeneralization.TestUser(e.getKey(), histories.getOrDefault(e.getKey(), List.of()), items));
    }
    return users;
  }

  /** Top {@value #DEPTH} of each user's fold-in, fold-in items excluded. */
  private static RecommendResponse recommend(AeserveClient client, ModelSelector model,
      List<StrongGeneralization.TestUser> users) {
    RecommendRequest.Builder request = RecommendRequest.newBuilder().setModel(Wire.ref(model)).setK(DEPTH)
        .setExcludeSeen(true);
    for (StrongGeneralization.TestUser u : users) {
      UserHistory.Builder h = UserHistory.newBuilder().setUserId(u.userId());
      u.foldIn().forEach(x -> h.addInteractions(Interaction.newBuilder().setItemId(x.itemId()).setValue(x.value())));
      request.addUsers(h);
    }
    return Wire.call(() -> client.inferenceStub().recommend(request.build()));
  }

  private static AutoencoderSpec spec(AeserveClient client, ServedBy servedBy) {
    VersionInfo v = client.listVersions(servedBy.getModel()).stream()
        .filter(x -> x.getVersion() == servedBy.getVersion()).findFirst()
        .orElseThrow(() -> new CliException("version " + servedBy.getVersion() + " of " + servedBy.getModel()
            + " is not listed"));
    return AutoencoderSpec.fromJson(v.getSpecJson());
  }

  private static String kindName(ScoreKind k) {
    return ScoreOption.domain(k).id();
  }
}
