package dev.aeserve.server.grpc;

import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.server.batching.Job;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.inference.InferenceCall;
import dev.aeserve.server.metrics.ServingMetrics;
import dev.aeserve.server.routing.ResolvedVersion;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How an inference adapter runs its calls, whichever protocol it speaks: one {@link InferenceCall}
 * per call (deadline and cancellation from the gRPC context), one answer or one status through
 * {@link StatusMapper}, and one outcome in {@link ServingMetrics} labelled by the version the call
 * resolved to and by the adapter's protocol.
 */
final class InferenceCalls {

  private final ServingMetrics metrics;
  private final Ticker ticker;
  private final ServingMetrics.Protocol protocol;

  InferenceCalls(ServingMetrics metrics, Ticker ticker, ServingMetrics.Protocol protocol) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.protocol = Objects.requireNonNull(protocol, "protocol");
  }

  /** Runs one unary call: map and hand over, then answer once, record the outcome, run after-reply work. */
  <R> void unary(Rpc rpc, StreamObserver<R> out, Function<InferenceCall, CompletableFuture<R>> body) {
    long start = ticker.nanos();
    InferenceCall c = newCall(Context.current());
    guarded(() -> body.apply(c)).whenComplete((response, failure) -> {
      String code = "OK";
      Throwable error = failure;
      if (error == null) {
        try {
          out.onNext(response);
          out.onCompleted();
        } catch (Throwable e) {
          error = e;
        }
      }
      if (error != null) {
        StatusRuntimeException status = StatusMapper.toStatus(error);
        code = status.getStatus().getCode().name();
        try {
          out.onError(status);
        } catch (IllegalStateException alreadyClosed) {
          // The call was cancelled or already answered; nothing more to say.
        }
      }
      record(c, rpc, code, ticker.nanos() - start);
      if (error == null) {
        c.replied();
      }
    });
  }

  long now() {
    return ticker.nanos();
  }

  /** Labels come from the resolved version only: names nobody registered share one series. */
  void record(InferenceCall c, Rpc rpc, String code, long nanos) {
    ResolvedVersion r = c.resolved();
    metrics.recordRequest(r == null ? null : r.version(), rpc, protocol, code, nanos);
  }

  InferenceCall newCall(Context context) {
    Deadline deadline = context.getDeadline();
    long deadlineNanos = deadline == null ? Job.NO_DEADLINE
        : ticker.nanos() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
    return new InferenceCall(deadlineNanos, context::isCancelled);
  }

  static <T> CompletableFuture<T> guarded(Supplier<CompletableFuture<T>> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
