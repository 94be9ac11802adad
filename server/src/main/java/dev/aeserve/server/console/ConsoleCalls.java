package dev.aeserve.server.console;

import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.grpc.StatusMapper;
import dev.aeserve.server.inference.InferenceCall;
import dev.aeserve.server.metrics.ServingMetrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The console's own calls to {@link dev.aeserve.server.inference.Inference}: the same route,
 * admission, lanes and batches as a gRPC call, with a deadline, and each outcome counted under the
 * console's own metric ({@code aeserve_console_requests_total}) so that its pictures never pass for
 * client traffic. A refusal comes back as the domain exception Inference failed with, which the
 * console maps to a status in the one place the gRPC edge does.
 */
final class ConsoleCalls {

  static final Duration DEADLINE = Duration.ofSeconds(30);

  private final ServingMetrics metrics;
  private final Ticker ticker;

  ConsoleCalls(ServingMetrics metrics, Ticker ticker) {
    this.metrics = metrics;
    this.ticker = ticker;
  }

  /** Runs one call and waits for its answer. */
  <T> T call(Rpc rpc, Function<InferenceCall, CompletableFuture<T>> body) {
    long start = ticker.nanos();
    InferenceCall call = new InferenceCall(start + DEADLINE.toNanos(), () -> false);
    String code = "OK";
    try {
      T answer = body.apply(call).get(DEADLINE.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      call.replied();
      return answer;
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      code = StatusMapper.toStatus(cause).getStatus().getCode().name();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause);
    } catch (TimeoutException e) {
      code = "DEADLINE_EXCEEDED";
      throw new dev.aeserve.server.batching.DeadlineExpiredException("the console's " + rpc.displayName()
          + " call took over " + DEADLINE.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      code = "CANCELLED";
      throw new dev.aeserve.server.batching.CallCancelledException("the console stopped while waiting for "
          + rpc.displayName());
    } catch (RuntimeException e) {
      code = StatusMapper.toStatus(e).getStatus().getCode().name();
      throw e;
    } finally {
      ModelVersion served = call.resolved() == null ? null : call.resolved().version();
      metrics.recordConsoleRequest(served, rpc, code, ticker.nanos() - start);
    }
  }
}
