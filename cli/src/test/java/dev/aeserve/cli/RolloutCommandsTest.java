package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.data.SyntheticData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code traffic set|show|compare}, {@code promote}, {@code rollback}, {@code alias delete} and
 * {@code versions archive} through the command line against a real server: what each prints, what
 * it changed on the server (read back with another command), and the one line and exit code a
 * mistake gets.
 */
class RolloutCommandsTest {

  private static CliTestServer server;
  private static Path input;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws IOException {
    server = new CliTestServer();
    Path train = dir.resolve("train.csv");
    float[][] rows = SyntheticData.manifold(200, 8, 3).toArray();
    Files.writeString(train, CliTestServer.csv(rows));
    input = dir.resolve("input.csv");
    Files.writeString(input, CliTestServer.csv(java.util.Arrays.copyOf(rows, 4)));
    // Three versions of each model: rollouts need a primary, a candidate and one to spare.
    for (String model : new String[] {"roll", "arch"}) {
      for (int v = 1; v <= 3; v++) {
        CliTestServer.Result r = server.call("train", "--family", "ae", "--data", train.toString(), "--register", model,
            "--hidden", "6", "--latent", "2", "--epochs", "1");
        assertThat(r.code()).as(r.err()).isZero();
      }
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static CliTestServer.Result ok(String... args) {
    CliTestServer.Result r = server.call(args);
    assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
    return r;
  }

  /** A refused command: its one line (see {@link CliTestServer.Result#refusal}), and nothing on stdout. */
  static String refused(CliTestServer.Result r, String... args) {
    String line = r.refusal(args);
    assertThat(r.out()).isEmpty();
    return line;
  }

  private static String refused(String... args) {
    return refused(server.call(args), args);
  }

  /** A command line picocli rejects before running it: exit code 2 and the usage. */
  private static String unparsed(String... args) {
    CliTestServer.Result r = server.call(args);
    assertThat(r.code()).as(String.join(" ", args) + " printed " + r.out() + r.err()).isEqualTo(2);
    assertThat(r.err()).contains("Usage: aeserve");
    return r.err().lines().findFirst().orElseThrow();
  }

  @Test
  void trafficSetShowsTheSplitAndShowReadsItBack() {
    CliTestServer.Result set = ok("traffic", "set", "roll", "1=90", "2=10", "--shadow", "3=50", "--gate", "10:500");
    String expected = """
        model:     roll
        primaries: 1=90%, 2=10%
        shadows:   3=50% copied
        gate:      weight to 0 when mean error exceeds the heaviest primary's by more than 10.0% over 500 requests
        """;
    assertThat(set.out()).isEqualTo(expected);
    assertThat(ok("traffic", "show", "roll").out()).isEqualTo(expected);

    // Reconstruct calls reach the shadow; compare reports them, one row per measure. The shadow copies
    // a random half of the calls and runs after its primary answered, so a fixed number of calls can
    // leave it with none (4 calls: 1 in 16): keep calling until compare reports both measures.
    CliTestServer.Result compare = ok("traffic", "compare", "roll");
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (!(compare.out().contains("reconstruction_error_diff") && compare.out().contains("latent_distance"))
        && System.nanoTime() < until) {
      ok("reconstruct", "--model", "roll", "--input", input.toString());
      compare = ok("traffic", "compare", "roll");
    }
    assertThat(compare.lines().get(0)).isEqualTo("PRIMARY\tSHADOW\tMEASURE\tCOUNT\tMEAN\tP50\tP99\tSHED\tFAILED");
    assertThat(compare.lines().subList(1, compare.lines().size()))
        .allSatisfy(l -> assertThat(l).matches("[12]\t3\t(reconstruction_error_diff|latent_distance)\t\\d+\t.*"))
        .extracting(l -> l.split("\t")[2]).contains("reconstruction_error_diff", "latent_distance");

    CliTestServer.Result cleared = ok("traffic", "set", "roll", "1=100");
    assertThat(cleared.out()).contains("primaries: 1=100%").contains("shadows:   none").contains("gate:      none");
  }

  @Test
  void trafficShowWithoutASplitSaysWhereCallsGo() {
    assertThat(ok("traffic", "show", "arch").out().strip())
        .isEqualTo("arch: no traffic split; calls without a version or alias go to the newest READY version");
    assertThat(ok("traffic", "compare", "arch").lines()).hasSize(1);
  }

  @Test
  void trafficMistakesSayWhatIsWrong() {
    assertThat(refused("traffic", "set", "roll", "1:90")).isEqualTo("aeserve: '1:90' is not VERSION=WEIGHT (e.g. 3=90)");
    assertThat(refused("traffic", "set", "roll", "1=100", "--gate", "ten")).isEqualTo(
        "aeserve: --gate must look like 10:500 (percent:requests)");
    assertThat(refused("traffic", "set", "roll", "1=60", "2=30")).startsWith("aeserve: INVALID_ARGUMENT: ").contains("100");
    assertThat(refused("traffic", "set", "roll", "1=50", "9=50")).startsWith("aeserve: ").contains("9");
    assertThat(refused("traffic", "set", "no-such-model", "1=100")).startsWith("aeserve: NOT_FOUND: ").contains("no-such-model");
    assertThat(refused("traffic", "show", "no-such-model")).startsWith("aeserve: NOT_FOUND: ").contains("no-such-model");
    assertThat(unparsed("traffic", "set", "roll")).contains("VERSION=WEIGHT");
    assertThat(unparsed("traffic", "show")).contains("NAME");
  }

  @Test
  void promoteMovesAllTrafficAndTheAliasAndRollbackRestoresTheSplitBefore() {
    ok("traffic", "set", "roll", "1=80", "2=20");
    CliTestServer.Result promoted = ok("promote", "roll", "2", "--alias", "production");
    assertThat(promoted.out()).contains("primaries: 2=100%").contains("alias:     production");
    assertThat(ok("versions", "list", "roll").lines()).filteredOn(l -> l.startsWith("2\t")).singleElement()
        .satisfies(l -> assertThat(l.split("\t")[6]).isEqualTo("production"));
    assertThat(ok("events", "--model", "roll").out()).contains("\tpromote\troll\t2\t");

    CliTestServer.Result back = ok("rollback", "roll");
    assertThat(back.out()).contains("primaries: 1=80%, 2=20%");
    assertThat(ok("traffic", "show", "roll").out()).contains("primaries: 1=80%, 2=20%");
    ok("traffic", "set", "roll", "1=100");
  }

  @Test
  void promoteAndRollbackMistakesSayWhatIsWrong() {
    assertThat(refused("promote", "roll", "42")).startsWith("aeserve: NOT_FOUND: ").contains("42");
    assertThat(refused("promote", "no-such-model", "1")).startsWith("aeserve: NOT_FOUND: ").contains("no-such-model");
    assertThat(refused("rollback", "no-such-model")).startsWith("aeserve: NOT_FOUND: ").contains("no-such-model");
    assertThat(unparsed("promote", "roll", "two")).contains("two");
    assertThat(unparsed("rollback")).contains("NAME");
  }

  @Test
  void aliasDeleteRemovesTheAliasAndSaysSo() {
    assertThat(ok("alias", "set", "arch", "staging", "2").out().strip()).isEqualTo("arch@staging -> 2");
    assertThat(ok("alias", "delete", "arch", "staging").out().strip()).isEqualTo("deleted arch@staging");
    assertThat(ok("versions", "list", "arch").lines()).noneSatisfy(l -> assertThat(l).contains("staging"));
    assertThat(refused("alias", "delete", "arch", "staging")).startsWith("aeserve: NOT_FOUND: ").contains("staging");
    assertThat(refused("alias", "delete", "no-such-model", "staging")).startsWith("aeserve: NOT_FOUND: ");
    assertThat(unparsed("alias", "delete", "arch")).contains("ALIAS");
  }

  @Test
  void versionsArchiveRetiresAVersionAndRefusesOneInUse() {
    assertThat(ok("versions", "archive", "arch", "1").out().strip()).isEqualTo("arch:1 is ARCHIVED");
    assertThat(ok("versions", "list", "arch").lines()).filteredOn(l -> l.startsWith("1\t")).singleElement()
        .satisfies(l -> assertThat(l.split("\t")[1]).isEqualTo("ARCHIVED"));
    // An archived version is not served any more.
    assertThat(refused("encode", "--model", "arch:1", "--input", input.toString())).contains("ARCHIVED");

    ok("alias", "set", "arch", "production", "3");
    assertThat(refused("versions", "archive", "arch", "3")).startsWith("aeserve: FAILED_PRECONDITION: ").contains("production");
    assertThat(refused("versions", "archive", "arch", "42")).startsWith("aeserve: NOT_FOUND: ").contains("42");
    assertThat(unparsed("versions", "archive", "arch")).contains("VERSION");
  }
}
