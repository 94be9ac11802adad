package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.data.Rating;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.autoencoders.data.SyntheticRatings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What a new user meets first: a server that is not there, the demo's printed commands, many users'
 * recommendations at once, shell completion and JSON for scripts. Against a real server on loopback.
 */
class FirstTenMinutesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static CliTestServer server;
  private static Ratings ratings;
  private static Path ratingsFile;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws IOException {
    server = new CliTestServer();
    Path train = dir.resolve("train.csv");
    Files.writeString(train, CliTestServer.csv(SyntheticData.manifold(200, 8, 3).toArray()));
    CliTestServer.Result ae = server.call("train", "--family", "ae", "--data", train.toString(), "--register", "first-ae",
        "--hidden", "6", "--latent", "2", "--epochs", "2");
    assertThat(ae.code()).as(ae.err()).isZero();
    ratings = SyntheticRatings.generate(60, 30, 3, 5, 12, 2.0, 1.0, 11);
    ratingsFile = DemoCommand.writeRatings(dir.resolve("ratings.csv"), ratings);
    CliTestServer.Result rec = server.call("train", "--family", "autorec", "--data", ratingsFile.toString(), "--register",
        "first-autorec", "--hidden", "none", "--latent", "8", "--epochs", "3", "--held-out-users", "10", "--split-seed", "5");
    assertThat(rec.code()).as(rec.err()).isZero();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aRefusedConnectionNamesTheAddressAndWhatToDo() throws IOException {
    String nobody = "127.0.0.1:" + ServerProcesses.freePort();
    Path input = dir.resolve("input.csv");
    Files.writeString(input, "0.1,0.2,0.3\n");
    // One command through the typed client, one through the raw stub: both paths end in the same message.
    for (String[] args : List.of(new String[] {"models", "list", "--server", nobody},
        new String[] {"encode", "--model", "m", "--input", input.toString(), "--server", nobody})) {
      CliTestServer.Result r = CliTestServer.run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
      assertThat(r.err().strip()).isEqualTo("aeserve: no aeserve server at " + nobody + " (connection refused): start one"
          + " with ./aeserve demo, or pass --server HOST:PORT (the address of a running server)");
    }
  }

  @Test
  void versionIsTheProjectVersion() {
    CliTestServer.Result r = CliTestServer.run("--version");
    assertThat(r.code()).isZero();
    // Maven filtered it in; clients/consumer/versions.py holds the client packages to the same version.
    assertThat(r.out().strip()).matches("aeserve \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  @Test
  void theDemoPrintsCommandsForItsOwnPortThatParse() {
    Map<Family, String> names = new TreeMap<>();
    Map<Family, Path> inputs = new TreeMap<>();
    for (Family f : Family.values()) {
      names.put(f, "demo-" + f.id());
      inputs.put(f, dir.resolve("data").resolve("demo").resolve("demo-" + f.id() + ".csv"));
    }
    Path demoDir = dir.resolve("data").resolve("demo");
    List<String> other = DemoCommand.tryCommands("127.0.0.1:50077", names, inputs, demoDir.resolve("endpoints.csv"),
        demoDir.resolve("ratings.csv"), demoDir.resolve("history.csv"));
    List<String> cli = other.stream().filter(c -> c.startsWith("./aeserve ")).toList();
    assertThat(cli).hasSizeGreaterThan(10).allSatisfy(c -> assertThat(c).endsWith(" --server 127.0.0.1:50077"));
    assertThat(other).filteredOn(c -> c.startsWith("grpcurl")).hasSize(2).allSatisfy(c -> assertThat(c).contains("127.0.0.1:50077"));
    // Ready to paste: every printed ./aeserve line is a command line that parses, with its files in the demo directory.
    for (String c : cli) {
      String[] args = c.substring("./aeserve ".length()).split(" ");
      CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args);
      assertThat(parsed.hasSubcommand()).as(c).isTrue();
      Arrays.stream(args).filter(a -> a.contains("/")).forEach(a -> assertThat(Path.of(a).startsWith(demoDir)).as(c).isTrue());
    }

    List<String> defaults = DemoCommand.tryCommands("127.0.0.1:" + DemoCommand.DEFAULT_PORT, names, inputs,
        demoDir.resolve("endpoints.csv"), demoDir.resolve("ratings.csv"), demoDir.resolve("history.csv"));
    assertThat(defaults).noneSatisfy(c -> assertThat(c).contains("--server"));
  }

  @Test
  void recommendTakesManyUsersAndOneUser() throws IOException {
    int k = 3;
    CliTestServer.Result many = server.call("recommend", "--model", "first-autorec", "--history", ratingsFile.toString(),
        "--k", Integer.toString(k));
    assertThat(many.code()).as(many.err()).isZero();
    List<String> lines = many.lines();
    assertThat(lines.get(0)).isEqualTo("user,rank,item,score");
    Set<String> users = ratings.all().stream().map(Rating::userId).collect(Collectors.toCollection(LinkedHashSet::new));
    assertThat(lines).hasSize(1 + users.size() * k);
    assertThat(lines.subList(1, lines.size())).allSatisfy(l -> assertThat(l).matches("[^,]+,[1-3],[^,]+,-?[0-9.E-]+"));
    // In the file's user order, ranks 1..k each, and never an item the user already rated.
    List<String> expectedOrder = users.stream().flatMap(u -> java.util.stream.Stream.of(u, u, u)).toList();
    assertThat(lines.subList(1, lines.size()).stream().map(l -> l.split(",")[0]).toList()).isEqualTo(expectedOrder);
    for (String l : lines.subList(1, lines.size())) {
      String[] cells = l.split(",");
      assertThat(ratings.all()).noneMatch(r -> r.userId().equals(cells[0]) && r.itemId().equals(cells[2]));
    }

    // More users than one call takes: the command splits them and keeps every one.
    StringBuilder big = new StringBuilder("user,item,rating\n");
    for (int u = 0; u < RecommendCommand.USERS_PER_CALL + 5; u++) {
      big.append("u").append(u).append(",").append(ratings.all().get(u % 20).itemId()).append(",4\n");
    }
    Path bigFile = dir.resolve("big.csv");
    Files.writeString(bigFile, big);
    CliTestServer.Result split = server.call("recommend", "--model", "first-autorec", "--ratings", bigFile.toString(), "--k", "1");
    assertThat(split.code()).as(split.err()).isZero();
    assertThat(split.lines()).hasSize(1 + RecommendCommand.USERS_PER_CALL + 5);

    Path one = dir.resolve("one.csv");
    String firstUser = users.iterator().next();
    Files.writeString(one, ratings.all().stream().filter(r -> r.userId().equals(firstUser))
        .map(r -> r.itemId() + "," + r.value()).collect(Collectors.joining("\n", "", "\n")));
    CliTestServer.Result single = server.call("recommend", "--model", "first-autorec", "--history", one.toString(),
        "--k", Integer.toString(k), "--user", firstUser);
    assertThat(single.code()).as(single.err()).isZero();
    // The same user's answer, alone or among others: the same items, scores equal up to batched float sums.
    assertThat(single.lines()).hasSize(1 + k);
    for (int i = 1; i <= k; i++) {
      String[] alone = single.lines().get(i).split(",");
      String[] among = lines.get(i).split(",");
      assertThat(Arrays.copyOf(alone, 3)).isEqualTo(Arrays.copyOf(among, 3));
      assertThat(Double.parseDouble(alone[3])).isCloseTo(Double.parseDouble(among[3]), org.assertj.core.api.Assertions.within(1e-4));
    }
  }

  @Test
  void completionScriptsCompleteCommandsAndOptionsInBash() throws Exception {
    CliTestServer.Result bash = CliTestServer.run("completion", "bash");
    assertThat(bash.code()).isZero();
    Path script = dir.resolve("aeserve-completion.bash");
    Files.writeString(script, bash.out());
    assertThat(complete(script, "aeserve", "mod")).containsExactly("models");
    assertThat(complete(script, "aeserve", "recommend", "--hist")).containsExactly("--history");
    assertThat(complete(script, "aeserve", "models", "list", "--out")).containsExactly("--output");
    assertThat(complete(script, "aeserve", "completion", "")).contains("bash", "zsh");

    CliTestServer.Result zsh = CliTestServer.run("completion", "zsh");
    assertThat(zsh.code()).isZero();
    assertThat(zsh.out()).contains("bashcompinit").contains("complete -F _complete_aeserve");
    assertThat(CliTestServer.run("completion", "fish").code()).isEqualTo(2);
  }

  /** What bash offers for the last word, run the way bash runs a completion function. */
  private static List<String> complete(Path script, String... words) throws Exception {
    String line = String.join(" ", words);
    String array = Arrays.stream(words).map(w -> "'" + w + "'").collect(Collectors.joining(" "));
    String program = "source '" + script + "'\nCOMP_WORDS=(" + array + ")\nCOMP_CWORD=" + (words.length - 1)
        + "\nCOMP_LINE='" + line + "'\nCOMP_POINT=" + line.length() + "\n_complete_aeserve aeserve\n"
        + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    // stderr aside: outside a real completion, bash complains that compopt cannot change options.
    Process p = new ProcessBuilder("bash", "-c", program).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  @Test
  void tablesComeAsJsonForScripts() throws IOException {
    assertThat(server.call("alias", "set", "first-ae", "production", "1").code()).isZero();

    JsonNode models = json(server.call("models", "list", "--output", "json"));
    assertThat(models.isArray()).isTrue();
    assertThat(names(models)).contains("first-ae", "first-autorec");
    assertThat(models.get(0).has("family")).isTrue();

    JsonNode versions = json(server.call("versions", "list", "first-ae", "-o", "json"));
    assertThat(versions.get(0).path("version").asInt()).isEqualTo(1);
    assertThat(versions.get(0).path("state").asText()).isEqualTo("VERSION_STATE_READY");
    assertThat(versions.get(0).path("aliases").get(0).asText()).isEqualTo("production");

    JsonNode shown = json(server.call("models", "show", "first-ae", "--output", "json"));
    assertThat(shown.path("model").path("name").asText()).isEqualTo("first-ae");
    assertThat(shown.path("aliases").get(0).path("alias").asText()).isEqualTo("production");

    JsonNode events = json(server.call("events", "--model", "first-ae", "--output", "json"));
    assertThat(events.findValuesAsText("action")).contains("alias.set");

    JsonNode traffic = json(server.call("traffic", "set", "first-ae", "1=100", "--output", "json"));
    assertThat(traffic.path("primaries").get(0).path("weight").asInt()).isEqualTo(100);
    assertThat(json(server.call("traffic", "show", "first-ae", "--output", "json")).path("model").asText())
        .isEqualTo("first-ae");
    assertThat(json(server.call("traffic", "compare", "first-ae", "--output", "json")).isObject()).isTrue();

    // The table stays the default, for people.
    assertThat(server.call("models", "list").lines().get(0)).isEqualTo("NAME\tFAMILY\tCREATED\tDESCRIPTION");
    assertThat(server.call("models", "list", "--output", "yaml").code()).isEqualTo(2);
  }

  private static JsonNode json(CliTestServer.Result r) throws IOException {
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  private static List<String> names(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(n -> n.path("name").asText()).toList();
  }
}
