package dev.aeserve.autoencoders;

import java.util.Objects;

/**
 * One user-item interaction as a caller sends it.
 *
 * @param itemId the external item id, looked up in the version's vocabulary
 * @param value a rating (autorec) or an interaction strength, usually 1 (multvae)
 */
public record Interaction(String itemId, float value) {
  public Interaction {
    Objects.requireNonNull(itemId, "itemId");
  }
}
