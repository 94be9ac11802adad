package dev.aeserve.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.aeserve.server.batching.Ticker;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One log line per call: at WARN when it failed, at DEBUG when it succeeded. Each call gets a
 * request id, the caller's {@code x-request-id} when it sends a sane one and a new UUID otherwise;
 * the id goes back in the response headers (or trailers, for a call refused before any header)
 * and into the logging MDC as {@code request_id} while the call's callbacks run. The outermost
 * interceptor, so that calls refused by authentication are logged too.
 */
public final class RequestLog implements ServerInterceptor {

  public static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final Logger log = LoggerFactory.getLogger(RequestLog.class);
  private static final Context.Key<CallRecord> RECORD = Context.key("aeserve-call-record");
  private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:/+=-]{1,128}");
  private static final int MAX_DESCRIPTION = 300;
  /** Model names are at most 63 characters; a longer one is logged cut, never whole. */
  private static final int MAX_MODEL = 80;

  private final Ticker ticker;
  private final AtomicInteger inFlight = new AtomicInteger();

  public RequestLog(Ticker ticker) {
    this.ticker = ticker;
  }

  /** Calls started and not yet finished. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Records the current call's actor for its log line; a no-op outside a logged call. */
  static void noteActor(String actor) {
    CallRecord record = RECORD.get();
    if (record != null) {
      record.actor = actor;
    }
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String sent = headers.get(REQUEST_ID);
    String id = sent != null && SANE_ID.matcher(sent).matches() ? sent : UUID.randomUUID().toString();
    CallRecord record = new CallRecord(id, call.getMethodDescriptor().getFullMethodName(), Actor.declared(headers),
        ticker.nanos());
    inFlight.incrementAndGet();
    ServerCall<ReqT, RespT> tagged = new SimpleForwardingServerCall<>(call) {
      private volatile boolean headersSent;

      @Override
      public void sendHeaders(Metadata responseHeaders) {
        responseHeaders.put(REQUEST_ID, id);
        headersSent = true;
        super.sendHeaders(responseHeaders);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        if (!headersSent) {
          trailers.put(REQUEST_ID, id);
        }
        finish(record, status);
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<ReqT> listener;
    MDC.put("request_id", id);
    try {
      listener = Contexts.interceptCall(Context.current().withValue(RECORD, record), tagged, headers, next);
    } finally {
      MDC.remove("request_id");
    }
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(ReqT message) {
        if (record.model == null) {
          record.model = modelOf(message, record.method);
        }
        MDC.put("request_id", id);
        try {
          super.onMessage(message);
        } finally {
          MDC.remove("request_id");
        }
      }

      @Override
      public void onHalfClose() {
        MDC.put("request_id", id);
        try {
          super.onHalfClose();
        } finally {
          MDC.remove("request_id");
        }
      }

      @Override
      public void onCancel() {
        // The client went away (or its deadline passed) before the server answered.
        finish(record, Status.CANCELLED.withDescription("cancelled by the client"));
        super.onCancel();
      }

      @Override
      public void onComplete() {
        finish(record, Status.OK);
        super.onComplete();
      }
    };
  }

  private void finish(CallRecord record, Status status) {
    if (!record.finished.compareAndSet(false, true)) {
      return;
    }
    inFlight.decrementAndGet();
    boolean failed = !status.isOk();
    if (failed ? !log.isWarnEnabled() : !log.isDebugEnabled()) {
      return;
    }
    String millis = String.format(Locale.ROOT, "%.2f", (ticker.nanos() - record.startNanos) / 1e6);
    String model = record.model == null ? "-" : record.model;
    MDC.put("request_id", record.id);
    MDC.put("method", record.method);
    MDC.put("code", status.getCode().name());
    MDC.put("model", model);
    MDC.put("duration_ms", millis);
    MDC.put("actor", record.actor);
    try {
      if (failed) {
        String description = status.getDescription() == null ? "" : status.getDescription();
        if (description.length() > MAX_DESCRIPTION) {
          description = description.substring(0, MAX_DESCRIPTION) + "...";
        }
        log.warn("{} {} in {} ms: {} (model {}, actor {}, request {})", record.method, status.getCode(), millis,
            description, model, record.actor, record.id);
      } else {
        log.debug("{} OK in {} ms (model {}, actor {}, request {})", record.method, millis, model, record.actor,
            record.id);
      }
    } finally {
      for (String key : new String[] {"request_id", "method", "code", "model", "duration_ms", "actor"}) {
        MDC.remove(key);
      }
    }
  }

  /**
   * The model a request names: its {@code model} field (a name or a ModelRef), a header's, or a v2
   * request's {@code model_name} / {@code name} ({@code demo-ae.encode}).
   */
  static String modelOf(Object message, String method) {
    if (message instanceof ParsedRequest<?> parsed) {
      return modelOf(parsed.message(), method);
    }
    if (!(message instanceof Message m)) {
      return null;
    }
    FieldDescriptor field = m.getDescriptorForType().findFieldByName("model");
    if (field == null && method.startsWith("inference.GRPCInferenceService/")) {
      field = m.getDescriptorForType().findFieldByName(method.endsWith("/ModelInfer") ? "model_name" : "name");
    }
    if (field == null && (method.endsWith("/CreateModel") || method.endsWith("/GetModel"))) {
      field = m.getDescriptorForType().findFieldByName("name");
    }
    if (field == null) {
      FieldDescriptor header = m.getDescriptorForType().findFieldByName("header");
      return header != null && header.getJavaType() == FieldDescriptor.JavaType.MESSAGE && m.hasField(header)
          ? modelOf(m.getField(header), method) : null;
    }
    if (field.isRepeated()) {
      return null;
    }
    Object value = m.getField(field);
    if (value instanceof String s) {
      return s.isEmpty() ? null : capped(s);
    }
    if (value instanceof Message ref) {
      FieldDescriptor name = ref.getDescriptorForType().findFieldByName("name");
      return name == null || !(ref.getField(name) instanceof String s) || s.isEmpty() ? null : capped(s);
    }
    return null;
  }

  /** A name as the caller sent it, cut to what a valid model name could be and a little more. */
  private static String capped(String name) {
    return name.length() > MAX_MODEL ? name.substring(0, MAX_MODEL) + "..." : name;
  }

  private static final class CallRecord {
    final String id;
    final String method;
    final long startNanos;
    final AtomicBoolean finished = new AtomicBoolean();
    volatile String actor;
    volatile String model;

    CallRecord(String id, String method, String actor, long startNanos) {
      this.id = id;
      this.method = method;
      this.actor = actor;
      this.startNanos = startNanos;
    }
  }
}
