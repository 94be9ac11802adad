package dev.aeserve.registry;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What a bearer token may do. {@link #ADMIN} implies every other scope. */
public enum TokenScope {
  /** The Autoencoder service: encode, decode, reconstruct, sample, denoise, recommend. */
  INFER("infer"),
  /** Reads of the ModelRegistry and Rollouts services. */
  REGISTRY_READ("registry:read"),
  /** Changes through the ModelRegistry and Rollouts services. */
  REGISTRY_WRITE("registry:write"),
  /** Everything. */
  ADMIN("admin");

  private final String wireName;

  TokenScope(String wireName) {
    this.wireName = wireName;
  }

  /** The name stored in {@code api_token.scopes} and given on the command line. */
  public String wireName() {
    return wireName;
  }

  public static TokenScope parse(String s) {
    for (TokenScope scope : values()) {
      if (scope.wireName.equals(s.trim())) {
        return scope;
      }
    }
    throw new InvalidRegistryRequestException("unknown scope '" + s + "'; scopes are "
        + Arrays.stream(values()).map(TokenScope::wireName).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
