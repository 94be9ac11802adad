package dev.aeserve.server.security;

import dev.aeserve.registry.ApiToken;
import dev.aeserve.registry.ApiTokens;
import dev.aeserve.registry.RegistryStorageException;
import dev.aeserve.server.batching.Ticker;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers tokens that authenticated for a short time, so that steady traffic does not query
 * Postgres on every call. A revoked token therefore stops working within {@code ttlNanos} on every
 * server. Unknown secrets are never cached (an attacker could fill the map with them), and the
 * map is cleared when it grows past a bound. While the database is unreachable, a token that
 * authenticated before keeps authenticating.
 */
final class TokenCache {

  private static final int MAX_ENTRIES = 10_000;

  private record Entry(ApiToken token, long expiresAt) {}

  private final ApiTokens tokens;
  private final Ticker ticker;
  private final long ttlNanos;
  private final ConcurrentHashMap<String, Entry> bySecret = new ConcurrentHashMap<>();

  TokenCache(ApiTokens tokens, Ticker ticker, long ttlNanos) {
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.ttlNanos = ttlNanos;
  }

  /** Whether {@link #authenticate} would answer {@code secret} from memory, without asking Postgres. */
  boolean isFresh(String secret) {
    Entry cached = bySecret.get(secret);
    return cached != null && ticker.nanos() - cached.expiresAt() < 0;
  }

  Optional<ApiToken> authenticate(String secret) {
    long now = ticker.nanos();
    Entry cached = bySecret.get(secret);
    if (cached != null && now - cached.expiresAt() < 0) {
      return Optional.of(cached.token());
    }
    Optional<ApiToken> token;
    try {
      token = tokens.authenticate(secret);
    } catch (RegistryStorageException e) {
      if (cached != null) {
        // The database is unreachable: a token that authenticated before keeps working until it
        // answers again (a revocation meanwhile takes effect when it does).
        return Optional.of(cached.token());
      }
      throw e;
    }
    if (token.isPresent() && ttlNanos > 0) {
      if (bySecret.size() >= MAX_ENTRIES) {
        bySecret.clear();
      }
      bySecret.put(secret, new Entry(token.get(), now + ttlNanos));
    } else {
      bySecret.remove(secret);
    }
    return token;
  }
}
