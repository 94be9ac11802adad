package dev.aeserve.server.grpc;

import com.google.protobuf.Message;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses request bytes that do not parse as the method's message with INVALID_ARGUMENT and a
 * one-line reason ({@code request is not a valid aeserve.v1.EncodeRequest: ...}), closing the call
 * through the interceptors so that the request log records it.
 *
 * <p>Why a wrapper and not a throwing marshaller: grpc-java parses a request inside its
 * ServerCallImpl listener, and whatever the marshaller throws (a StatusRuntimeException with
 * INVALID_ARGUMENT included) escapes to ServerImpl, which closes the transport stream itself with
 * UNKNOWN "Application error processing RPC", bypassing ServerCall.close and so every interceptor,
 * and logs the exception at SEVERE. So the marshaller here never throws: it hands the call a
 * {@link ParsedRequest} that holds the message or the reason it did not parse, and the handler
 * closes the call with that reason and hands the method nothing.
 */
public final class UnparseableRequests {

  /** Longest parser reason quoted back to the caller. */
  static final int MAX_REASON = 200;

  private UnparseableRequests() {}

  /** {@code service} with each method's request parse failures refused as INVALID_ARGUMENT. */
  public static ServerServiceDefinition refuse(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> guarded = guard(method);
      methods.add(guarded);
      descriptor.addMethod(guarded.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder built = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(built::addMethod);
    return built.build();
  }

  private static <ReqT, RespT> ServerMethodDefinition<ParsedRequest<ReqT>, RespT> guard(
      ServerMethodDefinition<ReqT, RespT> definition) {
    MethodDescriptor<ReqT, RespT> method = definition.getMethodDescriptor();
    MethodDescriptor<ParsedRequest<ReqT>, RespT> guarded = method
        .toBuilder(new GuardedMarshaller<>(method), method.getResponseMarshaller())
        .build();
    return ServerMethodDefinition.create(guarded, new GuardedHandler<>(method, definition.getServerCallHandler()));
  }

  /** The one-line reason: the message type and the parser's innermost complaint, capped. */
  static String reason(MethodDescriptor.Marshaller<?> marshaller, String fullMethodName, Throwable failure) {
    String type = marshaller instanceof MethodDescriptor.PrototypeMarshaller<?> p
        && p.getMessagePrototype() instanceof Message m
        ? m.getDescriptorForType().getFullName() : "request of " + fullMethodName;
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    why = why.replaceAll("\\s+", " ").strip();
    if (why.length() > MAX_REASON) {
      why = why.substring(0, MAX_REASON) + "...";
    }
    return "request is not a valid " + type + ": " + why;
  }

  private static final class GuardedMarshaller<ReqT> implements MethodDescriptor.Marshaller<ParsedRequest<ReqT>> {
    private final MethodDescriptor<ReqT, ?> method;

    GuardedMarshaller(MethodDescriptor<ReqT, ?> method) {
      this.method = method;
    }

    @Override
    public InputStream stream(ParsedRequest<ReqT> value) {
      return method.streamRequest(value.message());
    }

    @Override
    public ParsedRequest<ReqT> parse(InputStream stream) {
      try {
        return ParsedRequest.of(method.parseRequest(stream));
      } catch (RuntimeException e) {
        return ParsedRequest.failed(reason(method.getRequestMarshaller(), method.getFullMethodName(), e));
      }
    }
  }

  private static final class GuardedHandler<ReqT, RespT> implements ServerCallHandler<ParsedRequest<ReqT>, RespT> {
    private final MethodDescriptor<ReqT, RespT> method;
    private final ServerCallHandler<ReqT, RespT> next;

    GuardedHandler(MethodDescriptor<ReqT, RespT> method, ServerCallHandler<ReqT, RespT> next) {
      this.method = method;
      this.next = next;
    }

    @Override
    public ServerCall.Listener<ParsedRequest<ReqT>> startCall(ServerCall<ParsedRequest<ReqT>, RespT> call,
        Metadata headers) {
      ParsedCall<ReqT, RespT> parsed = new ParsedCall<>(call, method);
      ServerCall.Listener<ReqT> listener = next.startCall(parsed, headers);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(ParsedRequest<ReqT> message) {
          if (parsed.refused()) {
            return;
          }
          if (message.failure() != null) {
            parsed.refuse(Status.INVALID_ARGUMENT.withDescription(message.failure()));
            // The method's own state (a half-received upload, a stream's queue) goes as if the
            // caller had left; nothing it answers after this reaches the wire.
            listener.onCancel();
            return;
          }
          listener.onMessage(message.message());
        }

        @Override
        public void onHalfClose() {
          if (!parsed.refused()) {
            listener.onHalfClose();
          }
        }

        @Override
        public void onCancel() {
          if (!parsed.refused()) {
            listener.onCancel();
          }
        }

        @Override
        public void onComplete() {
          if (!parsed.refused()) {
            listener.onComplete();
          }
        }

        @Override
        public void onReady() {
          if (!parsed.refused()) {
            listener.onReady();
          }
        }
      };
    }
  }

  /**
   * The call as the method sees it: the original request type, and silent once the guard has
   * refused the call, so that a method answering late cannot close it twice.
   */
  private static final class ParsedCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {
    private final ServerCall<ParsedRequest<ReqT>, RespT> call;
    private final MethodDescriptor<ReqT, RespT> method;
    private boolean refused;

    ParsedCall(ServerCall<ParsedRequest<ReqT>, RespT> call, MethodDescriptor<ReqT, RespT> method) {
      this.call = call;
      this.method = method;
    }

    synchronized boolean refused() {
      return refused;
    }

    synchronized void refuse(Status status) {
      if (!refused) {
        refused = true;
        call.close(status, new Metadata());
      }
    }

    @Override
    public void request(int numMessages) {
      call.request(numMessages);
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!refused) {
        call.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(RespT message) {
      if (!refused) {
        call.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!refused) {
        call.close(status, trailers);
      }
    }

    @Override
    public synchronized boolean isCancelled() {
      return refused || call.isCancelled();
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      call.setCompression(compressor);
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      call.setOnReadyThreshold(numBytes);
    }

    @Override
    public Attributes getAttributes() {
      return call.getAttributes();
    }

    @Override
    public String getAuthority() {
      return call.getAuthority();
    }

    @Override
    public SecurityLevel getSecurityLevel() {
      return call.getSecurityLevel();
    }

    @Override
    public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
      return method;
    }
  }
}
