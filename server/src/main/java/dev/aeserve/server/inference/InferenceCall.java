package dev.aeserve.server.inference;

import dev.aeserve.server.batching.Job;
import dev.aeserve.server.routing.ResolvedVersion;
import dev.aeserve.server.runtime.ServableVersion;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * One call as the domain sees it: until when its caller waits, whether it went away, which
 * version it was routed to (once known), and work to run once the caller has its answer (shadow
 * copies, which must never delay it). The transport creates one per call; {@link Inference}
 * fills in the route.
 */
public final class InferenceCall {

  private final long deadlineNanos;
  private final BooleanSupplier cancelled;
  private final List<Runnable> afterReply = new CopyOnWriteArrayList<>();
  private volatile ResolvedVersion resolved;
  private volatile ServableVersion servable;

  /**
   * @param deadlineNanos in the server's {@link dev.aeserve.server.batching.Ticker} time, or
   *     {@link Job#NO_DEADLINE}
   */
  public InferenceCall(long deadlineNanos, BooleanSupplier cancelled) {
    this.deadlineNanos = deadlineNanos;
    this.cancelled = cancelled;
  }

  /** A call with no deadline that is never cancelled (shadow copies, tests). */
  public static InferenceCall unbounded() {
    return new InferenceCall(Job.NO_DEADLINE, () -> false);
  }

  public long deadlineNanos() {
    return deadlineNanos;
  }

  public BooleanSupplier cancelled() {
    return cancelled;
  }

  /** The version the call was routed to, or null while (or if never) resolved. */
  public ResolvedVersion resolved() {
    return resolved;
  }

  /** The loaded version serving the call, or null while (or if never) loaded. */
  public ServableVersion servable() {
    return servable;
  }

  void routedTo(ResolvedVersion resolved, ServableVersion servable) {
    this.resolved = resolved;
    this.servable = servable;
  }

  void afterReply(Runnable action) {
    afterReply.add(action);
  }

  /** Runs what waits for the answer to be sent. Call once, after a successful reply. */
  public void replied() {
    afterReply.forEach(Runnable::run);
  }
}
