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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aeserve recommend}: histories in, {@code user,rank,item,score} CSV out. Reads one user's
 * {@code item,value} lines, or many users' {@code user,item,rating[,timestamp]} lines (the
 * MovieLens layout, header and all), and asks for every user, {@value #USERS_PER_CALL} users a call.
 * Item ids the model's vocabulary does not hold are named on stderr; they do not fail the call
 * unless no item of a user's history is known.
 */
@Command(name = "recommend", mixinStandardHelpOptions = true,
    description = {"Top-k items for each user's history from an autorec or multvae model, as user,rank,item,score CSV.",
        "History lines: item,value for one user (named by --user), or user,item,rating[,timestamp] for many users"
            + " (MovieLens ratings files work as they are)."})
final class RecommendCommand implements Runnable {

  /** Users per call: well under the server's per-call limits, few enough calls for thousands of users. */
  static final int USERS_PER_CALL = 100;

  @Option(names = "--model", required = true, paramLabel = "NAME[:VERSION|@ALIAS]", description = "Model to call.")
  String model;

  @Option(names = {"--history", "--ratings"}, required = true, paramLabel = "FILE",
      description = "item,value lines (one user) or user,item,rating[,timestamp] lines (many users); - for stdin.")
  Path history;

  @Option(names = "--user", defaultValue = "user", paramLabel = "ID",
      description = "The user id written for a one-user history (default: ${DEFAULT-VALUE}).")
  String user;

  @Option(names = "--k", defaultValue = "10", description = "Items per user (default: ${DEFAULT-VALUE}).")
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
    Map<String, List<Interaction>> users = readHistories(history, user);
    List<String> candidateIds = candidates == null ? List.of() : readIds(candidates);
    List<String> excludedIds = exclude == null ? List.of() : readIds(exclude);
    List<String> ids = new ArrayList<>(users.keySet());
    try (AeserveClient client = server.connect()) {
      System.out.println("user,rank,item,score");
      for (int from = 0; from < ids.size(); from += USERS_PER_CALL) {
        RecommendRequest.Builder request = RecommendRequest.newBuilder().setModel(Wire.ref(Wire.selector(model)))
            .setK(k).setExcludeSeen(!includeSeen).addAllCandidateItems(candidateIds).addAllExcludedItems(excludedIds);
        for (String id : ids.subList(from, Math.min(ids.size(), from + USERS_PER_CALL))) {
          request.addUsers(UserHistory.newBuilder().setUserId(id).addAllInteractions(users.get(id)));
        }
        RecommendResponse r = Wire.call(() -> client.inferenceStub().recommend(request.build()));
        if (from == 0) {
          Wire.served(System.err, r.getServedBy());
        }
        for (UserRecommendations u : r.getUsersList()) {
          if (u.getUnknownItemsCount() > 0) {
            System.err.println("# " + u.getUserId() + ": unknown items (not in the model's vocabulary, ignored): "
                + String.join(",", u.getUnknownItemsList()));
          }
          int rank = 1;
          for (ScoredItem item : u.getItemsList()) {
            System.out.println(u.getUserId() + "," + rank++ + "," + item.getItemId() + "," + item.getScore());
          }
        }
      }
      System.out.flush();
    }
  }

  /**
   * Users' histories in the order the file first names them. The first data line decides the
   * layout: two fields are one user's {@code item,value}; three or more are
   * {@code user,item,rating[,timestamp]}. A first line whose value is not a number is a header.
   */
  static Map<String, List<Interaction>> readHistories(Path file, String singleUser) {
    Map<String, List<Interaction>> users = new LinkedHashMap<>();
    int fields = 0;
    int n = 0;
    for (String line : lines(file)) {
      n++;
      String trimmed = line.trim();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String[] parts = trimmed.split("[,\t]");
      boolean first = fields == 0;
      if (first) {
        fields = parts.length;
        if (fields < 2 || fields > 4) {
          throw new CliException(file + " line " + n + ": expected item,value or user,item,rating[,timestamp], got '"
              + trimmed + "'");
        }
      } else if (parts.length != fields) {
        throw new CliException(file + " line " + n + ": expected " + (fields == 2 ? "item,value" : "user,item,rating"
            + (fields == 4 ? ",timestamp" : "")) + " like the lines before it, got '" + trimmed + "'");
      }
      String valueText = parts[fields == 2 ? 1 : 2].trim();
      float value;
      try {
        value = Float.parseFloat(valueText);
      } catch (NumberFormatException e) {
        if (users.isEmpty()) {
          continue; // header
        }
        throw new CliException(file + " line " + n + ": '" + valueText + "' is not a number");
      }
      String id = fields == 2 ? singleUser : parts[0].trim();
      String item = parts[fields == 2 ? 0 : 1].trim();
      users.computeIfAbsent(id, x -> new ArrayList<>()).add(Interaction.newBuilder().setItemId(item).setValue(value).build());
    }
    if (users.isEmpty()) {
      throw new CliException(file + " holds no item,value or user,item,rating lines");
    }
    return users;
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
