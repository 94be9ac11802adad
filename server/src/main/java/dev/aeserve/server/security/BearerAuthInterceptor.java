package dev.aeserve.server.security;

import dev.aeserve.registry.ApiToken;
import dev.aeserve.registry.ApiTokens;
import dev.aeserve.registry.TokenScope;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.grpc.Actor;
import dev.aeserve.server.grpc.StatusMapper;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Optional;

/**
 * Checks {@code authorization: Bearer TOKEN} against the registry's tokens and the scope the
 * method needs ({@link MethodScopes}). An authenticated call runs with the token's name as its
 * {@link Actor}, so the audit log records who made each change.
 */
public final class BearerAuthInterceptor implements ServerInterceptor {

  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  /** How long an authenticated token is trusted without asking Postgres again. */
  public static final Duration CACHE_TTL = Duration.ofSeconds(5);

  private final BearerTokens tokens;

  public BearerAuthInterceptor(ApiTokens tokens) {
    this(tokens, Ticker.SYSTEM, CACHE_TTL);
  }

  BearerAuthInterceptor(ApiTokens tokens, Ticker ticker, Duration ttl) {
    this.tokens = new BearerTokens(tokens, ticker, ttl);
  }

  /** Whether this interceptor would decide the call without a database read (see {@link BearerTokens#answersFromMemory}). */
  public boolean answersFromMemory(Metadata headers) {
    return tokens.answersFromMemory(headers.get(AUTHORIZATION));
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Optional<TokenScope> needed = MethodScopes.required(method);
    if (needed.isEmpty()) {
      return next.startCall(call, headers);
    }
    ApiToken token;
    try {
      token = tokens.authorizeHeader(headers.get(AUTHORIZATION), needed.get(), method);
    } catch (RuntimeException e) {
      StatusRuntimeException status = StatusMapper.toStatus(e);
      call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Actor.authenticatedAs(token.name()), call, headers, next);
  }
}
