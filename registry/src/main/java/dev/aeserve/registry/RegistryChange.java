package dev.aeserve.registry;

/**
 * A notification that something about a model changed. It carries no state: listeners re-read
 * what they cache. {@code model} is null when the feed cannot say which model (for example after a
 * reconnect, when anything may have changed).
 */
public record RegistryChange(String model) {
  public static RegistryChange everything() {
    return new RegistryChange(null);
  }
}
