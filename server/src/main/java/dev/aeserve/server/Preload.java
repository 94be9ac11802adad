package dev.aeserve.server;

import dev.aeserve.registry.Alias;
import dev.aeserve.registry.Model;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.server.routing.ModelSelector;
import dev.aeserve.server.routing.ResolvedVersion;
import dev.aeserve.server.routing.VersionResolver;
import dev.aeserve.server.runtime.ModelRuntime;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start's preload: the versions calls will reach first, loaded before the server reports
 * SERVING. Those are every model's latest READY version and its aliased versions (nothing else:
 * older versions load on first use), a few models at a time ({@link #THREADS}). A model whose
 * version fails to load is reported NOT_SERVING on its health entry and does not stop the server;
 * a registry that cannot list models or aliases fails the start. It runs on a thread of its own
 * beside the binding of the ports ({@link #begin}), and SERVING waits for it ({@link #await}).
 * Logs where the time went.
 */
final class Preload {

  private static final Logger log = LoggerFactory.getLogger(Preload.class);

  /**
   * Threads the preload works on: each resolves a model's routing (registry reads) and waits for
   * its versions' loads, which the runtime runs a few at a time whoever asks
   * ({@code LoadedModels.LOAD_SLOTS}). A few threads keep those slots busy while other models'
   * routing is read; bounded so a registry of thousands does not open thousands of connections
   * at once.
   */
  static final int THREADS = Math.min(4, Math.max(2, Runtime.getRuntime().availableProcessors()));

  private final ModelRegistry registry;
  private final VersionResolver resolver;
  private final ModelRuntime runtime;
  private final HealthStatusManager health;
  private final FutureTask<Void> task;
  private final Thread thread;

  private Preload(ModelRegistry registry, VersionResolver resolver, ModelRuntime runtime, HealthStatusManager health,
      EngineStart engineStart) {
    this.registry = registry;
    this.resolver = resolver;
    this.runtime = runtime;
    this.health = health;
    // Loads would wait on the engine's initialization anyway; waiting for it first keeps that time
    // out of the first loads' own figures.
    this.task = new FutureTask<>(() -> {
      engineStart.awaitQuietly();
      run();
      return null;
    });
    this.thread = new Thread(task, "aeserve-preload");
    thread.setDaemon(true);
  }

  /**
   * Starts the preload on a thread of its own, so that it runs while the server binds its ports;
   * {@link #await} waits for it, {@link #stop} gives up on it.
   */
  static Preload begin(ModelRegistry registry, VersionResolver resolver, ModelRuntime runtime,
      HealthStatusManager health, EngineStart engineStart) {
    Preload p = new Preload(registry, resolver, runtime, health, engineStart);
    p.thread.start();
    return p;
  }

  /**
   * Returns once every model's versions have loaded or failed to; throws what failed the preload
   * itself (the registry could not list models or aliases), after stopping it if the wait was
   * interrupted.
   */
  void await() {
    try {
      task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new IllegalStateException("interrupted while preloading models", e);
    } catch (ExecutionException e) {
      throw rethrown(e);
    }
  }

  /**
   * Gives up on the preload (interrupted, its pool shut down) and waits a while for its thread to
   * end, so the runtime is not closed under it. The wait is bounded: a registry call in progress
   * ends within the registry's call budget, not at the interrupt.
   */
  void stop() {
    task.cancel(true);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The failure a task ended with, unwrapped: unchecked ones as they are. */
  private static RuntimeException rethrown(ExecutionException e) {
    if (e.getCause() instanceof RuntimeException r) {
      return r;
    }
    if (e.getCause() instanceof Error err) {
      throw err;
    }
    return new IllegalStateException("preloading models failed", e.getCause());
  }

  private void run() {
    long start = System.nanoTime();
    List<Model> models = registry.listModels();
    long listed = System.nanoTime() - start;
    Times times = new Times();
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "aeserve-preload-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> done = new ArrayList<>();
      for (Model m : models) {
        done.add(pool.submit(() -> preload(m, times)));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preloading models", e);
    } catch (ExecutionException e) {
      // A version that fails to load is reported on its model's health entry; what gets here (the
      // registry failing to list aliases) fails the start, as it did when the preload was serial.
      throw rethrown(e);
    } finally {
      pool.shutdownNow();
    }
    log.info("preloaded {} versions of {} models in {} ms on {} threads: model list {} ms; summed over the threads:"
        + " aliases and routing {} ms, loads {} ms (each load's own line splits artifact read and engine load)",
        times.versions.sum(), models.size(), (System.nanoTime() - start) / 1_000_000, THREADS,
        listed / 1_000_000, times.routingNanos.sum() / 1_000_000, times.loadNanos.sum() / 1_000_000);
  }

  /** What a preload spent, summed over its threads. */
  private static final class Times {
    final LongAdder versions = new LongAdder();
    final LongAdder routingNanos = new LongAdder();
    final LongAdder loadNanos = new LongAdder();
  }

  private void preload(Model m, Times times) {
    Set<ModelSelector> refs = new LinkedHashSet<>();
    long t = System.nanoTime();
    refs.add(ModelSelector.latest(m.name()));
    for (Alias a : registry.listAliases(m.name())) {
      refs.add(new ModelSelector(m.name(), null, a.alias(), ""));
    }
    boolean ok = true;
    times.routingNanos.add(System.nanoTime() - t);
    for (ModelSelector ref : refs) {
      try {
        t = System.nanoTime();
        ResolvedVersion v = resolver.resolve(ref);
        long resolved = System.nanoTime();
        times.routingNanos.add(resolved - t);
        runtime.load(v.version());
        times.loadNanos.add(System.nanoTime() - resolved);
        times.versions.increment();
      } catch (RuntimeException e) {
        ok = false;
        log.warn("cannot preload {}{}: {}", m.name(), ref.alias() != null ? "@" + ref.alias() : "", e.getMessage());
      }
    }
    health.setStatus(m.name(), ok ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }
}
