package dev.aeserve.autoencoders.evaluation;

import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.data.Ratings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The strong-generalization split of Liang et al. (2018): whole users are held out of training;
 * for each held-out user a random {@code foldInFraction} (80%) of their history is given to the
 * model and the rest is what it should rank highly.
 */
public final class StrongGeneralization {
  private StrongGeneralization() {}

  /**
   * A held-out user.
   *
   * @param foldIn interactions the model is given
   * @param heldOut item ids it should recommend
   */
  public record TestUser(String userId, List<Interaction> foldIn, Set<String> heldOut) {}

  /**
   * @param training ratings of the training users only
   * @param test held-out users with at least two interactions, split into fold-in and held-out
   */
  public record Split(Ratings training, List<TestUser> test) {}

  /**
   * @param heldOutUsers how many users to hold out (chosen at random)
   * @param foldInFraction share of each held-out user's history folded in, in (0, 1); at least
   *     one item is folded in and one held out
   */
  public static Split split(Ratings ratings, int heldOutUsers, double foldInFraction, long seed) {
    if (!(foldInFraction > 0 && foldInFraction < 1)) {
      throw new IllegalArgumentException("foldInFraction must be in (0, 1), got " + foldInFraction);
    }
    Random random = new Random(seed);
    List<String> users = ratings.users();
    if (heldOutUsers < 1 || heldOutUsers >= users.size()) {
      throw new IllegalArgumentException("heldOutUsers must be in [1, " + (users.size() - 1) + "], got " + heldOutUsers);
    }
    List<String> shuffled = new ArrayList<>(users);
    Collections.shuffle(shuffled, random);
    Set<String> testUsers = new LinkedHashSet<>(shuffled.subList(0, heldOutUsers));
    List<String> trainUsers = shuffled.subList(heldOutUsers, shuffled.size());
    Map<String, List<Interaction>> byUser = ratings.byUser();
    List<TestUser> test = new ArrayList<>();
    for (String user : users) {
      if (!testUsers.contains(user)) {
        continue;
      }
      List<Interaction> history = new ArrayList<>(byUser.get(user));
      if (history.size() < 2) {
        continue;
      }
      Collections.shuffle(history, random);
      int foldIn = Math.max(1, Math.min(history.size() - 1, (int) Math.round(history.size() * foldInFraction)));
      Set<String> heldOut = new LinkedHashSet<>();
      for (Interaction x : history.subList(foldIn, history.size())) {
        heldOut.add(x.itemId());
      }
      test.add(new TestUser(user, List.copyOf(history.subList(0, foldIn)), heldOut));
    }
    return new Split(ratings.ofUsers(trainUsers), test);
  }
}
