package dev.aeserve.server.grpc;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.proto.v1.ServedBy;
import dev.aeserve.server.batching.Job;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.routing.ResolvedVersion;
import dev.aeserve.server.runtime.ServableVersion;
import io.grpc.Context;
import io.grpc.Deadline;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The version one call goes to, loaded, with the call's deadline and cancellation, and work to do
 * once the caller has its answer (shadow copies).
 */
record Target(ResolvedVersion resolved, ServableVersion servable, Context context, Ticker ticker,
    List<Runnable> afterReply) {

  Target(ResolvedVersion resolved, ServableVersion servable, Context context, Ticker ticker) {
    this(resolved, servable, context, ticker, new CopyOnWriteArrayList<>());
  }

  /** Runs {@code action} after the response has been sent (never before, never delaying it). */
  void afterReply(Runnable action) {
    afterReply.add(action);
  }

  AutoencoderSpec spec() {
    return servable.spec();
  }

  /** Queues validated input on one of the version's batch lanes. */
  <I, O> CompletableFuture<O> submit(String lane, I input) {
    Deadline deadline = context.getDeadline();
    long deadlineNanos = deadline == null ? Job.NO_DEADLINE : ticker.nanos() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
    return servable.scheduler().submit(lane, input, deadlineNanos, context::isCancelled);
  }

  ServedBy servedBy() {
    return ServedBy.newBuilder()
        .setModel(resolved.version().model())
        .setVersion(resolved.version().version())
        .setRoute(resolved.route())
        .setAlias(resolved.alias())
        .setArm(resolved.arm())
        .setFamily(servable.spec().family().id())
        .setEngine(servable.model().engine().djlName())
        .build();
  }

  String describe() {
    return "model '" + resolved.version().model() + "' version " + resolved.version().version();
  }
}
