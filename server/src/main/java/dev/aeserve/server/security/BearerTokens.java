package dev.aeserve.server.security;

import dev.aeserve.registry.ApiToken;
import dev.aeserve.registry.ApiTokens;
import dev.aeserve.registry.TokenScope;
import dev.aeserve.server.PermissionDeniedException;
import dev.aeserve.server.UnauthenticatedException;
import dev.aeserve.server.batching.Ticker;
import java.time.Duration;

/**
 * The one check of a bearer token against the registry's tokens and the scope an operation needs,
 * shared by every transport (the gRPC interceptor, the console), so that a token means the same
 * thing on every port. Authenticated tokens are cached for a short time ({@link TokenCache}).
 */
public final class BearerTokens {

  private static final String BEARER = "bearer ";

  private final TokenCache cache;

  public BearerTokens(ApiTokens tokens) {
    this(tokens, Ticker.SYSTEM, BearerAuthInterceptor.CACHE_TTL);
  }

  BearerTokens(ApiTokens tokens, Ticker ticker, Duration ttl) {
    this.cache = new TokenCache(tokens, ticker, ttl.toNanos());
  }

  /**
   * The token an {@code authorization: Bearer TOKEN} header carries, if it allows {@code needed}.
   *
   * @throws UnauthenticatedException when the header is missing, malformed, or names no live token
   * @throws PermissionDeniedException when the token lacks the scope
   */
  public ApiToken authorizeHeader(String authorization, TokenScope needed, String operation) {
    if (authorization == null || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new UnauthenticatedException("this server needs a bearer token: send 'authorization: Bearer TOKEN'"
          + " (aeserve --token or AESERVE_TOKEN); make one with 'aeserve token create'");
    }
    return authorize(authorization.substring(BEARER.length()).trim(), needed, operation);
  }

  /**
   * Whether checking this header needs no database read: it is missing or malformed (refused at
   * once), or it carries a token authenticated within the cache's lifetime.
   */
  public boolean answersFromMemory(String authorization) {
    if (authorization == null || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return true;
    }
    String secret = authorization.substring(BEARER.length()).trim();
    return secret.isEmpty() || cache.isFresh(secret);
  }

  /** The live token whose secret is {@code secret}, whatever its scopes (to say who is signed in). */
  public java.util.Optional<ApiToken> authenticate(String secret) {
    return secret == null || secret.isBlank() ? java.util.Optional.empty() : cache.authenticate(secret.trim());
  }

  /** The token whose secret is {@code secret}, if it allows {@code needed}; throws as {@link #authorizeHeader}. */
  public ApiToken authorize(String secret, TokenScope needed, String operation) {
    if (secret == null || secret.isBlank()) {
      throw new UnauthenticatedException("this needs a bearer token; make one with 'aeserve token create'");
    }
    ApiToken token = cache.authenticate(secret.trim())
        .orElseThrow(() -> new UnauthenticatedException("unknown or revoked token"));
    if (!token.allows(needed)) {
      throw new PermissionDeniedException("token '" + token.name() + "' has scopes " + token.scopes()
          + "; " + operation + " needs " + needed.wireName() + " (or admin)");
    }
    return token;
  }
}
