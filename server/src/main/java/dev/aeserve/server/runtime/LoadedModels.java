package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.Autoencoders;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.batching.VersionScheduler;
import dev.aeserve.server.metrics.ServingMetrics;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.server.batching.BatchPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ModelRuntime} over DJL: loads a version's weights from the registry (hash-checked on
 * every load) into the configured engine, once per version.
 */
public final class LoadedModels implements ModelRuntime {

  private static final Logger log = LoggerFactory.getLogger(LoadedModels.class);

  private final ModelRegistry registry;
  private final EngineKind engine;
  private final BatchingConfig batching;
  private final ServingMetrics metrics;
  private final Ticker ticker;
  private final List<ComputeDevice> devices;
  /** Runner threads: one per loaded version and device while it is loaded, reused after. */
  private final ExecutorService runners = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "aeserve-runner-idle");
    t.setDaemon(true);
    return t;
  });
  /**
   * The threads every model call runs on. Engines keep native workspaces per calling thread and
   * never give them back, so a fixed set keeps memory flat across any number of loads. MXNet
   * computes one call at a time per process anyway; PyTorch gets one thread per core.
   */
  private final ExecutorService compute;
  /**
   * Loads that may read an artifact and build an engine model at once: one per core, and one more
   * so that a load waiting on the registry's read does not leave a core idle. A load is mostly CPU
   * work (the hash check, the driver's decoding, the engine's parameter parsing) and holds the
   * artifact's bytes on the heap until the engine has its copy, so a burst of cold calls for
   * different versions (a thousand tenants after a restart) must not start them all together:
   * beyond the cores they only slow each other, starve the calls to loaded versions and the
   * registry's own queries, and multiply the transient memory. Waiting here is waiting for a load
   * that would not have been faster.
   */
  static final int LOAD_SLOTS = Math.max(1, Runtime.getRuntime().availableProcessors()) + 1;

  private final Semaphore loadSlots = new Semaphore(LOAD_SLOTS, true);
  private final ConcurrentMap<String, CompletableFuture<ServableVersion>> versions = new ConcurrentHashMap<>();
  private final ModelMemoryBudget budget;
  /** Returns what unloaded versions freed to the system, so churn does not grow the RSS. */
  private final NativeHeapTrimmer trimmer;
  private volatile boolean closed;

  public LoadedModels(ModelRegistry registry, EngineKind engine, List<ComputeDevice> devices, BatchingConfig batching,
      ServingMetrics metrics, Ticker ticker) {
    this(registry, engine, devices, batching, ModelMemoryBudget.UNLIMITED, metrics, ticker);
  }

  /**
   * @param memoryBudgetBytes the most the loaded versions' weights may take together (times their
   *     copies); when a load would exceed it, the least recently used unpinned versions are
   *     unloaded first. 0 for no budget.
   */
  public LoadedModels(ModelRegistry registry, EngineKind engine, List<ComputeDevice> devices, BatchingConfig batching,
      long memoryBudgetBytes, ServingMetrics metrics, Ticker ticker) {
    this(registry, engine, devices, batching, memoryBudgetBytes, metrics, ticker, NativeHeapTrimmer.forThisProcess());
  }

  LoadedModels(ModelRegistry registry, EngineKind engine, List<ComputeDevice> devices, BatchingConfig batching,
      long memoryBudgetBytes, ServingMetrics metrics, Ticker ticker, NativeHeapTrimmer trimmer) {
    this.trimmer = trimmer;
    this.budget = new ModelMemoryBudget(memoryBudgetBytes, ticker::nanos);
    this.devices = List.copyOf(devices);
    int threads = engine == EngineKind.MXNET ? 1 : Math.max(1, Runtime.getRuntime().availableProcessors());
    this.compute = Executors.newFixedThreadPool(threads, new java.util.concurrent.ThreadFactory() {
      private final java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();

      @Override
      public Thread newThread(Runnable r) {
        Thread t = new Thread(r, "aeserve-compute-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      }
    });
    this.registry = registry;
    this.engine = engine;
    this.batching = batching;
    this.metrics = metrics;
    this.ticker = ticker;
  }

  @Override
  public <T> T serve(ModelVersion version, Function<? super ServableVersion, ? extends T> use) {
    while (true) {
      ServableVersion s = lookup(version);
      if (s.acquire()) {
        try {
          return use.apply(s);
        } finally {
          s.release();
        }
      }
      // Evicted between the lookup and the lease: the next lookup loads it again.
    }
  }

  @Override
  public <T> T serveIfLoaded(ModelVersion version, Function<? super ServableVersion, ? extends T> use, T notLoaded) {
    if (closed) {
      throw new IllegalStateException("model runtime is closed");
    }
    String key = key(version.model(), version.version());
    CompletableFuture<ServableVersion> existing = versions.get(key);
    if (existing == null || !existing.isDone() || existing.isCompletedExceptionally()) {
      return notLoaded;
    }
    ServableVersion s = existing.join();
    if (!s.acquire()) {
      // Being evicted: the caller takes the path that may load.
      return notLoaded;
    }
    metrics.recordModelLookup(true);
    budget.touch(key);
    try {
      return use.apply(s);
    } finally {
      s.release();
    }
  }

  private ServableVersion lookup(ModelVersion version) {
    if (closed) {
      throw new IllegalStateException("model runtime is closed");
    }
    String key = key(version.model(), version.version());
    CompletableFuture<ServableVersion> mine = new CompletableFuture<>();
    CompletableFuture<ServableVersion> existing = versions.putIfAbsent(key, mine);
    if (existing != null) {
      // Single flight: however many callers arrive during a load, one loads and the rest wait.
      metrics.recordModelLookup(existing.isDone());
      ServableVersion s = existing.join();
      budget.touch(key);
      return s;
    }
    metrics.recordModelLookup(false);
    try {
      mine.complete(loadInSlot(version));
    } catch (RuntimeException e) {
      versions.remove(key, mine);
      mine.completeExceptionally(e);
      throw e;
    }
    return mine.join();
  }

  /** Loads {@code version} once a {@link #LOAD_SLOTS load slot} is free. */
  private ServableVersion loadInSlot(ModelVersion version) {
    long queued = System.nanoTime();
    loadSlots.acquireUninterruptibly();
    try {
      return load(version, System.nanoTime() - queued);
    } finally {
      loadSlots.release();
    }
  }

  /** Versions whose loads wait for a {@link #LOAD_SLOTS load slot}. */
  int loadsWaiting() {
    return loadSlots.getQueueLength();
  }

  /** Reads, checks and builds {@code version} on every device; {@code waited} is for the log. */
  private ServableVersion load(ModelVersion version, long waited) {
    long start = System.nanoTime();
    AutoencoderSpec spec = AutoencoderSpec.fromJson(version.specJson());
    byte[] weights = registry.loadArtifact(version.artifactSha256());
    long read = System.nanoTime() - start;
    String key = key(version.model(), version.version());
    for (String evicted : budget.reserve(key, (long) weights.length * devices.size())) {
      int colon = evicted.lastIndexOf(':');
      log.info("unloading {} to make room for {} under the model memory budget", evicted, key);
      metrics.recordEviction();
      drop(evicted.substring(0, colon), Integer.parseInt(evicted.substring(colon + 1)));
    }
    List<ServableVersion.Replica> replicas = new ArrayList<>();
    long engineStart = System.nanoTime();
    try {
      for (int i = 0; i < devices.size(); i++) {
        ComputeDevice device = devices.get(i);
        Autoencoder model = Autoencoders.load(spec, weights, engine, device);
        String name = version.model() + ":" + version.version() + (devices.size() > 1 ? "@" + device + "#" + i : "");
        VersionScheduler scheduler = new VersionScheduler(name, ticker,
            metrics.observerFor(version.model(), version.version()), runners, compute);
        registerLanes(scheduler, version, spec, model);
        replicas.add(new ServableVersion.Replica(device, model, scheduler));
      }
    } catch (RuntimeException e) {
      budget.release(key);
      replicas.forEach(r -> {
        r.scheduler().close();
        r.model().close();
      });
      throw e;
    }
    long took = System.nanoTime() - start;
    metrics.recordModelLoad(took);
    metrics.setLoadedModelBytes(budget.usedBytes());
    // An imported version computes on the engine its manifest names, whatever the server's. The
    // split says where a slow load (or a slow start, which is loads) spends its time: reading and
    // hash-checking the artifact from the registry, or building the engine's model.
    log.info("loaded {}:{} ({} bytes) on {} {} in {} ms (artifact read {} ms, engine load {} ms; waited {} ms for a load slot)",
        version.model(), version.version(), weights.length, replicas.get(0).model().engine().djlName(), devices,
        took / 1_000_000, read / 1_000_000, (System.nanoTime() - engineStart) / 1_000_000, waited / 1_000_000);
    return new ServableVersion(version, spec, LatentFingerprint.of(version, spec), replicas);
  }

  /** One lane per served RPC (per score kind for Reconstruct), each with its batch policy. */
  private void registerLanes(VersionScheduler scheduler, ModelVersion version, AutoencoderSpec spec, Autoencoder model) {
    String json = version.specJson();
    String name = version.model();
    for (Rpc rpc : spec.family().servedRpcs()) {
      BatchPolicy policy = batching.policyFor(name, rpc, json);
      switch (rpc) {
        case ENCODE -> scheduler.register(Lanes.ENCODE, policy, Kernels.encode(model));
        case DECODE -> scheduler.register(Lanes.DECODE, policy, Kernels.decode(model));
        case DENOISE -> scheduler.register(Lanes.DENOISE, policy, Kernels.denoise(model));
        case RECONSTRUCT -> {
          for (ScoreKind kind : ScoreKind.values()) {
            scheduler.register(Lanes.reconstruct(kind), policy, Kernels.reconstruct(model, kind));
          }
        }
        case SAMPLE -> scheduler.register(Lanes.SAMPLE, alone(policy), Kernels.sample(model));
        case RECOMMEND -> scheduler.register(Lanes.RECOMMEND, alone(policy), Kernels.recommend(model));
      }
    }
  }

  /** The policy of a lane whose requests never share a batch; the queue bound still applies. */
  private static BatchPolicy alone(BatchPolicy p) {
    return new BatchPolicy(1, Duration.ZERO, p.maxQueueRows(), List.of(), p.maxQueueWait());
  }

  @Override
  public Set<String> loaded() {
    Set<String> keys = new TreeSet<>();
    versions.forEach((k, f) -> {
      if (f.isDone() && !f.isCompletedExceptionally()) {
        keys.add(k);
      }
    });
    return keys;
  }

  @Override
  public void unload(String model, int version) {
    budget.release(key(model, version));
    drop(model, version);
    metrics.setLoadedModelBytes(budget.usedBytes());
  }

  /** New calls no longer find the version; queued ones finish before its engine memory is freed. */
  private void drop(String model, int version) {
    CompletableFuture<ServableVersion> f = versions.remove(key(model, version));
    if (f != null && f.isDone() && !f.isCompletedExceptionally()) {
      // Calls holding it finish queueing first; its batcher drains before the memory is freed, and
      // the allocator's free pages go back to the system once it is.
      f.join().retire(runners, trimmer::afterUnload);
      log.info("unloaded {}:{}", model, version);
    }
  }

  @Override
  public void pin(String model, Set<Integer> versions) {
    budget.pin(model, versions);
  }

  @Override
  public Set<String> pinned() {
    return new TreeSet<>(budget.pinned());
  }

  @Override
  public void close() {
    closed = true;
    versions.values().forEach(f -> {
      if (f.isDone() && !f.isCompletedExceptionally()) {
        f.join().retire(Runnable::run, () -> { });
      }
    });
    versions.clear();
    trimmer.close();
    runners.shutdown();
    compute.shutdown();
  }

  private static String key(String model, int version) {
    return model + ":" + version;
  }
}
