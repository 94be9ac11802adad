package dev.aeserve.registry;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Bearer tokens, stored as their SHA-256 only. */
public interface ApiTokens {

  /**
   * Creates a token with a fresh random secret. The name follows the model-name rules; an existing
   * name, revoked or not, is ALREADY_EXISTS.
   */
  IssuedToken create(String name, Set<TokenScope> scopes);

  /** Every token, revoked ones included, by name. */
  List<ApiToken> list();

  /** Revokes the named token; NOT_FOUND if there is none. Revoking twice keeps the first time. */
  ApiToken revoke(String name);

  /** The valid (not revoked) token whose secret this is, if any. */
  Optional<ApiToken> authenticate(String secret);
}
