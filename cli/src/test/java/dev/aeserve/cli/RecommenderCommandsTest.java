package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.data.Rating;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.data.SyntheticRatings;
import dev.aeserve.autoencoders.evaluation.StrongGeneralization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ease through train and evaluate, prepared splits, and the implicit-data refusals, against a real server. */
class RecommenderCommandsTest {
  private static CliTestServer server;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() {
    server = new CliTestServer();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void easeTrainsAndEvaluatesOnAPreparedSplitBesideBothBaselines() throws IOException {
    Ratings all = SyntheticRatings.generate(200, 50, 4, 6, 16, 2.0, 1.0, 3);
    StrongGeneralization.Split split = StrongGeneralization.split(all, 40, 0.8, 5);
    Path train = DemoCommand.writeRatings(dir.resolve("train.csv"), split.training());
    List<Rating> foldIn = new ArrayList<>();
    List<Rating> heldOut = new ArrayList<>();
    for (StrongGeneralization.TestUser u : split.test()) {
      u.foldIn().forEach(x -> foldIn.add(new Rating(u.userId(), x.itemId(), x.value(), 0)));
      u.heldOut().forEach(id -> heldOut.add(new Rating(u.userId(), id, 5, 0)));
    }
    // An item no training user has: it must count as a miss, not vanish from the figures.
    heldOut.add(new Rating(split.test().get(0).userId(), "brand-new-item", 5, 0));
    Path foldInFile = DemoCommand.writeRatings(dir.resolve("fold-in.csv"), new Ratings(foldIn));
    Path heldOutFile = DemoCommand.writeRatings(dir.resolve("held-out.csv"), new Ratings(heldOut));

    CliTestServer.Result trained = server.call("train", "--family", "ease", "--data", train.toString(),
        "--register", "cli-ease", "--threshold", "1");
    assertThat(trained.code()).as(trained.err()).isZero();
    assertThat(trained.out()).contains("ease validation NDCG@100 by lambda: 1.0:");

    CliTestServer.Result evaluated = server.call("evaluate", "--model", "cli-ease", "--train", train.toString(),
        "--test-fold-in", foldInFile.toString(), "--test-held-out", heldOutFile.toString(), "--threshold", "1");
    assertThat(evaluated.code()).as(evaluated.err()).isZero();
    assertThat(evaluated.out()).contains("prepared split").contains("1 outside the model's vocabulary");
    String number = " +[01]\\.\\d{4}";
    assertThat(evaluated.lines()).anySatisfy(l -> assertThat(l).matches("model" + number + number + number))
        .anySatisfy(l -> assertThat(l).matches("popularity" + number + number + number))
        .anySatisfy(l -> assertThat(l).matches("ease" + number + number + number + "  \\(lambda .*"));

    CliTestServer.Result half = server.call("evaluate", "--model", "cli-ease", "--train", train.toString(),
        "--test-fold-in", foldInFile.toString());
    assertThat(half.code()).isNotZero();
    assertThat(half.err()).contains("--train needs --test-fold-in FILE and --test-held-out FILE");
  }

  @Test
  void implicitDataAndAThresholdThatRemovesEverythingAreRefusedWithWhatToDo() throws IOException {
    Ratings implicit = SyntheticRatings.generate(60, 30, 3, 5, 10, 2.0, 1.0, 4).binarized(0);
    Path file = DemoCommand.writeRatings(dir.resolve("implicit.csv"), implicit);
    CliTestServer.Result autorec = server.call("train", "--family", "autorec", "--data", file.toString(),
        "--hidden", "none", "--latent", "4", "--epochs", "1");
    assertThat(autorec.code()).isNotZero();
    assertThat(autorec.err()).contains("every rating is 1, which is implicit feedback")
        .contains("--family multvae or --family ease");

    CliTestServer.Result threshold = server.call("train", "--family", "multvae", "--data", file.toString());
    assertThat(threshold.code()).isNotZero();
    assertThat(threshold.err()).contains("--threshold 3.5 removed every rating").contains("values 1 to 1")
        .contains("use --threshold 1");
  }
}
