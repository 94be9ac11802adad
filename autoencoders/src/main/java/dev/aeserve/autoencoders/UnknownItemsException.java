package dev.aeserve.autoencoders;

import java.util.List;

/**
 * A user history none of whose items the version's vocabulary holds, so there is nothing to
 * recommend from (NOT_FOUND on the wire). Unknown ids beside known ones are reported in
 * {@link Recommendations#unknownItemIds()} instead.
 */
public final class UnknownItemsException extends RuntimeException {
  private final List<String> unknownItemIds;

  public UnknownItemsException(int user, List<String> unknownItemIds) {
    super("user " + user + ": none of the items is in the model's vocabulary: "
        + String.join(", ", unknownItemIds.subList(0, Math.min(20, unknownItemIds.size())))
        + (unknownItemIds.size() > 20 ? ", ... (" + unknownItemIds.size() + " in all)" : ""));
    this.unknownItemIds = List.copyOf(unknownItemIds);
  }

  public List<String> unknownItemIds() {
    return unknownItemIds;
  }
}
