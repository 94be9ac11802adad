package dev.aeserve.autoencoders.data;

import java.util.Objects;

/** One user-item rating, as MovieLens files hold them. */
public record Rating(String userId, String itemId, float value, long timestamp) {
  public Rating {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(itemId, "itemId");
  }
}
