package dev.aeserve.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Who is making a registry change, for the audit log. A call authenticated with a bearer token
 * acts as the token's name. Without authentication, callers name themselves in the
 * {@code x-aeserve-actor} header (the CLI sends the local user) and the peer address is recorded
 * beside it, since nothing vouches for the name.
 */
public final class Actor {

  public static final Metadata.Key<String> HEADER = Metadata.Key.of("x-aeserve-actor", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> KEY = Context.key("aeserve-actor");
  private static final Context.Key<String> TOKEN = Context.key("aeserve-token-name");
  private static final int MAX_LENGTH = 128;

  private Actor() {}

  /** The current call's actor, or "anonymous" outside a call. */
  public static String current() {
    String actor = KEY.get();
    return actor == null ? "anonymous" : actor;
  }

  /** The current context, marked as authenticated by the token named {@code tokenName}. */
  public static Context authenticatedAs(String tokenName) {
    return Context.current().withValue(TOKEN, tokenName);
  }

  public static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String actor = TOKEN.get();
        if (actor == null) {
          String name = declared(headers);
          Object peer = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
          actor = peer == null ? name : name + "@" + peer;
        }
        RequestLog.noteActor(actor);
        return Contexts.interceptCall(Context.current().withValue(KEY, actor), call, headers, next);
      }
    };
  }

  /** The name the caller gave itself in the header, cleaned, or "anonymous". */
  static String declared(Metadata headers) {
    String named = headers.get(HEADER);
    return named == null || named.isBlank() ? "anonymous" : sanitize(named);
  }

  static String sanitize(String s) {
    String clean = s.replaceAll("[^A-Za-z0-9._@:/+-]", "_");
    return clean.length() > MAX_LENGTH ? clean.substring(0, MAX_LENGTH) : clean;
  }
}
