package dev.aeserve.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One user's interactions for Recommend.
 *
 * @param userId the caller's id for the user, echoed in the result
 * @param interactions external item id to rating or implicit-feedback strength (1 for a plain interaction)
 */
public record UserHistory(String userId, Map<String, Float> interactions) {

  public UserHistory {
    Objects.requireNonNull(userId, "userId");
    interactions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(interactions));
  }
}
