package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.RecommendOptions;
import java.util.List;

/** One Recommend request: each user's history and the ranking options. */
public record RecommendTask(List<List<Interaction>> users, RecommendOptions options) {
  public RecommendTask {
    users = List.copyOf(users);
  }
}
