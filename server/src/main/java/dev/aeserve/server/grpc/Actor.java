package dev.aeserve.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Who is making a registry change, for the audit log. Until bearer tokens land, callers name
 * themselves in the {@code x-aeserve-actor} header (the CLI sends the local user) and the peer
 * address is recorded beside it.
 */
public final class Actor {

  public static final Metadata.Key<String> HEADER = Metadata.Key.of("x-aeserve-actor", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> KEY = Context.key("aeserve-actor");
  private static final int MAX_LENGTH = 128;

  private Actor() {}

  /** The current call's actor, or "anonymous" outside a call. */
  public static String current() {
    String actor = KEY.get();
    return actor == null ? "anonymous" : actor;
  }

  public static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String named = headers.get(HEADER);
        String name = named == null || named.isBlank() ? "anonymous" : sanitize(named);
        Object peer = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String actor = peer == null ? name : name + "@" + peer;
        return Contexts.interceptCall(Context.current().withValue(KEY, actor), call, headers, next);
      }
    };
  }

  private static String sanitize(String s) {
    String clean = s.replaceAll("[^A-Za-z0-9._@:/+-]", "_");
    return clean.length() > MAX_LENGTH ? clean.substring(0, MAX_LENGTH) : clean;
  }
}
