package dev.aeserve.registry;

import java.time.Instant;
import java.util.Set;

/**
 * A bearer token as the registry knows it: its name and scopes, never the secret.
 *
 * @param revokedAt null while the token is valid
 */
public record ApiToken(String name, Set<TokenScope> scopes, Instant createdAt, Instant revokedAt) {

  public ApiToken {
    scopes = Set.copyOf(scopes);
  }

  public boolean revoked() {
    return revokedAt != null;
  }

  /** Whether this token may do what {@code needed} allows; {@code admin} may do anything. */
  public boolean allows(TokenScope needed) {
    return !revoked() && (scopes.contains(TokenScope.ADMIN) || scopes.contains(needed));
  }
}
