package dev.aeserve.autoencoders;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** External item ids to input columns and back, for the recommender families. */
public final class ItemVocabulary {
  private final List<String> ids;
  private final Map<String, Integer> index;

  public ItemVocabulary(List<String> ids) {
    this.ids = List.copyOf(ids);
    this.index = new HashMap<>(ids.size() * 2);
    for (int i = 0; i < this.ids.size(); i++) {
      if (index.put(this.ids.get(i), i) != null) {
        throw new IllegalArgumentException("item id '" + this.ids.get(i) + "' appears twice");
      }
    }
  }

  /** The vocabulary of a recommender spec. */
  public static ItemVocabulary of(AutoencoderSpec spec) {
    if (spec.itemIds() == null) {
      throw new IllegalArgumentException("family '" + spec.family().id() + "' has no item vocabulary");
    }
    return new ItemVocabulary(spec.itemIds());
  }

  public int size() {
    return ids.size();
  }

  public String id(int index) {
    return ids.get(index);
  }

  public List<String> ids() {
    return ids;
  }

  /** The column of an item id, or -1 when the vocabulary does not hold it. */
  public int indexOf(String id) {
    Integer i = index.get(id);
    return i == null ? -1 : i;
  }

  /**
   * Columns of the known ids; unknown ones are appended to {@code unknown} (first occurrence only,
   * and not when {@code unknown} already holds them). Linear in the ids: a request may carry
   * hundreds of thousands of unknown ones.
   */
  public int[] indices(Collection<String> itemIds, Collection<String> unknown) {
    Objects.requireNonNull(itemIds, "itemIds");
    Objects.requireNonNull(unknown, "unknown");
    Set<String> reported = new HashSet<>(unknown);
    int[] out = new int[itemIds.size()];
    int n = 0;
    for (String id : itemIds) {
      int i = indexOf(id);
      if (i >= 0) {
        out[n++] = i;
      } else if (reported.add(id)) {
        unknown.add(id);
      }
    }
    return Arrays.copyOf(out, n);
  }

  /**
   * One user's history as an input row: each known item's value at its column (a later entry
   * for the same item replaces an earlier one).
   *
   * @throws InvalidInputException for an empty history or a non-finite value
   * @throws UnknownItemsException when no item of the history is known
   */
  public HistoryRow row(int user, List<Interaction> history) {
    if (history == null || history.isEmpty()) {
      throw new InvalidInputException("user " + user + " has an empty history");
    }
    float[] row = new float[ids.size()];
    LinkedHashSet<Integer> seen = new LinkedHashSet<>();
    // A set, not a list: a history of n unknown ids must cost n, not n^2.
    LinkedHashSet<String> unknown = new LinkedHashSet<>();
    for (Interaction x : history) {
      if (!Float.isFinite(x.value())) {
        throw new InvalidInputException("user " + user + ", item '" + x.itemId() + "' has value " + x.value()
            + "; values must be finite");
      }
      int i = indexOf(x.itemId());
      if (i < 0) {
        unknown.add(x.itemId());
        continue;
      }
      row[i] = x.value();
      seen.add(i);
    }
    if (seen.isEmpty()) {
      throw new UnknownItemsException(user, List.copyOf(unknown));
    }
    return new HistoryRow(row, seen.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(unknown));
  }

  /**
   * A history mapped onto the vocabulary.
   *
   * @param values one value per item column
   * @param seen the columns the history named
   * @param unknownItemIds ids the vocabulary does not hold, each once, in the order first met
   */
  public record HistoryRow(float[] values, int[] seen, List<String> unknownItemIds) {}
}
