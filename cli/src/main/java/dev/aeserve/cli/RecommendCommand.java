package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.Interaction;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.RecommendResponse;
import dev.aeserve.proto.v1.ScoredItem;
import dev.aeserve.proto.v1.UserHistory;
import dev.aeserve.proto.v1.UserRecommendations;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aeserve recommend}: one user's history in, {@code rank,item,score} CSV out. Item ids the
 * model's vocabulary does not hold are named on stderr; they do not fail the call unless no item
 * of the history is known.
 */
@Command(name = "recommend", mixinStandardHelpOptions = true,
    description = "Top-k items for a user's history (item,value lines) from an autorec or multvae model.")
final class RecommendCommand implements Runnable {

  @Option(names = "--model", required = true, paramLabel = "NAME[:VERSION|@ALIAS]", description = "Model to call.")
  String model;

  @Option(names = "--history", required = true, paramLabel = "FILE",
      description = "The user's history, item,value per line (a rating, or 1 for implicit feedback); - for stdin.")
  Path history;

  @Option(names = "--k", defaultValue = "10", description = "Items to return (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--include-seen", description = "Let items of the history be recommended again.")
  boolean includeSeen;

  @Option(names = "--candidates", paramLabel = "FILE", description = "Rank only these item ids (one per line).")
  Path candidates;

  @Option(names = "--exclude", paramLabel = "FILE", description = "Never recommend these item ids (one per line).")
  Path exclude;

  @Mixin
  ServerOption server;

  @Override
  public void run() {
    if (k < 1) {
      throw new CliException("--k must be at least 1, got " + k);
    }
    RecommendRequest.Builder request = RecommendRequest.newBuilder().setModel(Wire.ref(Wire.selector(model)))
        .addUsers(UserHistory.newBuilder().setUserId("user").addAllInteractions(readHistory(history)))
        .setK(k).setExcludeSeen(!includeSeen);
    if (candidates != null) {
      request.addAllCandidateItems(readIds(candidates));
    }
    if (exclude != null) {
      request.addAllExcludedItems(readIds(exclude));
    }
    try (AeserveClient client = server.connect()) {
      RecommendResponse r = Wire.call(() -> client.inferenceStub().recommend(request.build()));
      Wire.served(System.err, r.getServedBy());
      UserRecommendations user = r.getUsers(0);
      if (user.getUnknownItemsCount() > 0) {
        System.err.println("# unknown items (not in the model's vocabulary, ignored): "
            + String.join(",", user.getUnknownItemsList()));
      }
      System.out.println("rank,item,score");
      int rank = 1;
      for (ScoredItem item : user.getItemsList()) {
        System.out.println(rank++ + "," + item.getItemId() + "," + item.getScore());
      }
      System.out.flush();
    }
  }

  /** {@code item,value} lines; a first line whose value is not a number is a header. */
  static List<Interaction> readHistory(Path file) {
    List<Interaction> out = new ArrayList<>();
    int n = 0;
    for (String line : lines(file)) {
      n++;
      String trimmed = line.trim();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String[] parts = trimmed.split("[,\t]");
      if (parts.length != 2) {
        throw new CliException(file + " line " + n + ": expected item,value, got '" + trimmed + "'");
      }
      float value;
      try {
        value = Float.parseFloat(parts[1].trim());
      } catch (NumberFormatException e) {
        if (out.isEmpty()) {
          continue; // header
        }
        throw new CliException(file + " line " + n + ": '" + parts[1].trim() + "' is not a number");
      }
      out.add(Interaction.newBuilder().setItemId(parts[0].trim()).setValue(value).build());
    }
    if (out.isEmpty()) {
      throw new CliException(file + " holds no item,value lines");
    }
    return out;
  }

  static List<String> readIds(Path file) {
    return lines(file).stream().map(String::trim).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
  }

  private static List<String> lines(Path file) {
    try {
      if (file.toString().equals("-")) {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        return in.lines().toList();
      }
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
