package dev.aeserve.server.console;

import dev.aeserve.registry.ApiToken;
import dev.aeserve.server.PermissionDeniedException;
import dev.aeserve.server.UnauthenticatedException;
import dev.aeserve.server.security.BearerTokens;
import dev.aeserve.server.security.MethodScopes;
import java.util.Optional;

/**
 * Who may change routing from the console, checked exactly as the gRPC API checks it: the token
 * (an {@code Authorization: Bearer} header, or the console's sign-in cookie) goes through the same
 * {@link BearerTokens} check, against the scope {@link MethodScopes} gives the gRPC method the
 * action stands for. Pages are read-only and open. An action runs as the token's name, which the
 * audit log records; with authentication off, as the name the form gives (or "console") with the
 * peer address beside it, as the gRPC API records unauthenticated callers.
 */
final class ConsoleAccess {

  static final String COOKIE = "aeserve_console_token";

  private final BearerTokens tokens;

  /** @param tokens the token check, or null when authentication is off */
  ConsoleAccess(BearerTokens tokens) {
    this.tokens = tokens;
  }

  boolean authOn() {
    return tokens != null;
  }

  /** The name of the token the request's cookie carries, if it is live. */
  Optional<String> signedInAs(Exchange ex) {
    if (tokens == null) {
      return Optional.empty();
    }
    try {
      return tokens.authenticate(ex.cookies.get(COOKIE)).map(ApiToken::name);
    } catch (RuntimeException unreachable) {
      return Optional.empty();
    }
  }

  /** Checks a secret before it becomes the sign-in cookie; returns the token's name. */
  String signIn(String secret) {
    if (tokens == null) {
      throw new UnauthenticatedException("authentication is off on this server: actions need no token");
    }
    return tokens.authenticate(secret).map(ApiToken::name)
        .orElseThrow(() -> new UnauthenticatedException("unknown or revoked token"));
  }

  /**
   * The actor an action by {@code ex} runs as, if it may call {@code grpcMethod} (such as
   * {@code aeserve.v1.Rollouts/Promote}); throws UNAUTHENTICATED or PERMISSION_DENIED otherwise.
   */
  String actorFor(Exchange ex, String grpcMethod) {
    if (ex.origin != null && ex.host != null && !ex.origin.endsWith("://" + ex.host)) {
      // A form posted from another site: the cookie is SameSite=Strict, but a header-less
      // request from a page elsewhere must not act with this browser's rights either.
      throw new PermissionDeniedException("a console action must come from the console's own pages (Origin "
          + ex.origin + " is not " + ex.host + ")");
    }
    if (tokens == null) {
      String name = ex.field("actor");
      name = name == null || name.isBlank() ? "console" : name.trim();
      return (name.length() > 64 ? name.substring(0, 64) : name) + "@" + ex.peer;
    }
    var scope = MethodScopes.required(grpcMethod).orElseThrow();
    ApiToken token = ex.authorization != null
        ? tokens.authorizeHeader(ex.authorization, scope, grpcMethod)
        : tokens.authorize(ex.cookies.get(COOKIE), scope, grpcMethod);
    return token.name();
  }
}
