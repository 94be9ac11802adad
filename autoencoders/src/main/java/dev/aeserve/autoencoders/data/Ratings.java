package dev.aeserve.autoencoders.data;

import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.ItemVocabulary;
import dev.aeserve.autoencoders.Matrix;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A set of ratings with what recommender training needs: users and items in order of first
 * appearance, implicit-feedback binarization, and the users x items matrix the recommender
 * families train on (0 = not rated).
 */
public final class Ratings {
  private final List<Rating> ratings;

  public Ratings(List<Rating> ratings) {
    this.ratings = List.copyOf(Objects.requireNonNull(ratings, "ratings"));
  }

  public List<Rating> all() {
    return ratings;
  }

  public int size() {
    return ratings.size();
  }

  /** User ids in order of first appearance. */
  public List<String> users() {
    return new ArrayList<>(byUser().keySet());
  }

  /** Item ids in order of first appearance. */
  public List<String> items() {
    LinkedHashMap<String, Boolean> seen = new LinkedHashMap<>();
    for (Rating r : ratings) {
      seen.putIfAbsent(r.itemId(), Boolean.TRUE);
    }
    return new ArrayList<>(seen.keySet());
  }

  /** How many users rated each item. */
  public Map<String, Integer> itemCounts() {
    Map<String, Integer> counts = new HashMap<>();
    for (Rating r : ratings) {
      counts.merge(r.itemId(), 1, Integer::sum);
    }
    return counts;
  }

  /** Items rated by at least {@code minUsers} users, most rated first (ties by id). */
  public List<String> itemsByPopularity(int minUsers) {
    Map<String, Integer> counts = itemCounts();
    return counts.entrySet().stream()
        .filter(e -> e.getValue() >= minUsers)
        .sorted(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue).reversed()
            .thenComparing(Map.Entry::getKey))
        .map(Map.Entry::getKey)
        .toList();
  }

  /**
   * Implicit feedback: the ratings at or above {@code threshold} become interactions of value 1,
   * the others are dropped (Mult-VAE's preprocessing: MovieLens ratings of 3.5 or more).
   */
  public Ratings binarized(float threshold) {
    List<Rating> out = new ArrayList<>();
    for (Rating r : ratings) {
      if (r.value() >= threshold) {
        out.add(new Rating(r.userId(), r.itemId(), 1f, r.timestamp()));
      }
    }
    return new Ratings(out);
  }

  /** Each user's interactions, users in order of first appearance. */
  public Map<String, List<Interaction>> byUser() {
    Map<String, List<Interaction>> users = new LinkedHashMap<>();
    for (Rating r : ratings) {
      users.computeIfAbsent(r.userId(), k -> new ArrayList<>()).add(new Interaction(r.itemId(), r.value()));
    }
    return users;
  }

  /** Only the ratings of these users. */
  public Ratings ofUsers(java.util.Collection<String> userIds) {
    java.util.Set<String> wanted = new java.util.HashSet<>(userIds);
    return new Ratings(ratings.stream().filter(r -> wanted.contains(r.userId())).toList());
  }

  /**
   * One row per user (in {@link #users()} order) over the vocabulary's columns; a rating of an
   * item outside the vocabulary is left out. The value 0 means not rated.
   */
  public Matrix matrix(ItemVocabulary vocabulary) {
    Map<String, List<Interaction>> users = byUser();
    int cols = vocabulary.size();
    float[] data = new float[users.size() * cols];
    int row = 0;
    for (List<Interaction> history : users.values()) {
      for (Interaction x : history) {
        int c = vocabulary.indexOf(x.itemId());
        if (c >= 0) {
          data[row * cols + c] = x.value();
        }
      }
      row++;
    }
    return new Matrix(users.size(), cols, data);
  }
}
