package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.InputDomain;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.server.batching.Job;
import dev.aeserve.server.batching.Lane;
import dev.aeserve.server.batching.VersionScheduler;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registered version, loaded once per device, each copy with its own batcher and runner: what
 * a call computes with. Calls spread over the devices round-robin.
 */
public final class ServableVersion {

  /** The version loaded on one device, with the batcher that feeds it. */
  public record Replica(ComputeDevice device, Autoencoder model, VersionScheduler scheduler) {}

  private final ModelVersion version;
  private final AutoencoderSpec spec;
  private final String latentFingerprint;
  private final Calibration calibration;
  /** Resolved once: a spec without a recorded domain derives one, which need not happen per call. */
  private final InputDomain domain;
  private final List<Replica> replicas;
  private final AtomicInteger next = new AtomicInteger();
  private final Object leases = new Object();
  /** Guarded by {@link #leases}. */
  private int holders;
  /** Guarded by {@link #leases}. */
  private boolean retired;
  /** Guarded by {@link #leases}: where the last holder of a retired version closes it. */
  private Executor closer;
  /** Guarded by {@link #leases}: what runs once a retired version's engine memory is freed. */
  private Runnable whenClosed = () -> { };

  public ServableVersion(ModelVersion version, AutoencoderSpec spec, String latentFingerprint, List<Replica> replicas) {
    this.version = Objects.requireNonNull(version, "version");
    this.spec = Objects.requireNonNull(spec, "spec");
    this.latentFingerprint = Objects.requireNonNull(latentFingerprint, "latentFingerprint");
    this.calibration = Calibration.fromJson(version.calibrationJson());
    this.domain = spec.domain();
    if (replicas.isEmpty()) {
      throw new IllegalArgumentException("a servable version needs at least one device");
    }
    this.replicas = List.copyOf(replicas);
  }

  public ModelVersion version() {
    return version;
  }

  public AutoencoderSpec spec() {
    return spec;
  }

  public String latentFingerprint() {
    return latentFingerprint;
  }

  /** The version's anomaly calibration, parsed once at load; null when it has none. */
  public Calibration calibration() {
    return calibration;
  }

  /**
   * Per row of {@code x}, why it lies outside the input domain the version was trained on (null
   * for a row inside), or null when every row is inside.
   */
  public String[] outsideDomain(Matrix x) {
    String[] reasons = domain.check(x);
    for (String r : reasons) {
      if (r != null) {
        return reasons;
      }
    }
    return null;
  }

  /** The first device's model: for what every copy shares (engine, spec). */
  public Autoencoder model() {
    return replicas.get(0).model();
  }

  public List<Replica> replicas() {
    return replicas;
  }

  /**
   * Queues admitted input on one of the version's lanes, on the next device's batcher
   * (round-robin).
   *
   * @param deadlineNanos in {@link dev.aeserve.server.batching.Ticker} time, or {@link Job#NO_DEADLINE}
   */
  public <I, O> CompletableFuture<O> submit(Lane<I, O> lane, I input, long deadlineNanos, BooleanSupplier cancelled) {
    VersionScheduler s = replicas.get(Math.floorMod(next.getAndIncrement(), replicas.size())).scheduler();
    return s.submit(lane, input, deadlineNanos, cancelled);
  }

  /**
   * Takes a lease: until {@link #release}, a {@link #retire} leaves the version open, so a call
   * that looked it up can still queue on it. False once retired: look the version up again.
   */
  boolean acquire() {
    synchronized (leases) {
      if (retired) {
        return false;
      }
      holders++;
      return true;
    }
  }

  /** Returns a lease; the last one out of a retired version closes it on {@code closer}. */
  void release() {
    Executor closeOn;
    synchronized (leases) {
      holders--;
      if (!retired || holders > 0) {
        return;
      }
      closeOn = closer;
    }
    closeSoon(closeOn);
  }

  /**
   * No new leases; closes the version now if nobody holds one, else when the last holder lets go
   * (on {@code closer}, so a request thread never waits for a batcher to drain). {@code whenClosed}
   * runs after its engine memory is freed.
   */
  void retire(Executor closer, Runnable whenClosed) {
    synchronized (leases) {
      if (retired) {
        return;
      }
      retired = true;
      this.whenClosed = whenClosed;
      if (holders > 0) {
        this.closer = closer;
        return;
      }
    }
    close();
  }

  private void closeSoon(Executor closeOn) {
    try {
      closeOn.execute(this::close);
    } catch (RejectedExecutionException e) {
      close();
    }
  }

  /** Drains each device's batcher, then frees its engine memory. */
  private void close() {
    for (Replica r : replicas) {
      r.scheduler().close();
      r.model().close();
    }
    Runnable then;
    synchronized (leases) {
      then = whenClosed;
    }
    then.run();
  }
}
