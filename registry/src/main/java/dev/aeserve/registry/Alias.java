package dev.aeserve.registry;

import java.time.Instant;

/** A movable name for one version of a model, such as {@code production}. */
public record Alias(String model, String alias, int version, Instant updatedAt) {
  /** Reserved: always means the newest READY version and cannot be set or deleted. */
  public static final String LATEST = "latest";
}
