package dev.aeserve.server.routing;

import dev.aeserve.registry.Alias;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.RegistryChange;
import dev.aeserve.registry.RegistryNotFoundException;
import dev.aeserve.registry.RegistryStorageException;
import dev.aeserve.registry.TrafficSplit;
import dev.aeserve.registry.VersionState;
import dev.aeserve.registry.VersionStateException;
import dev.aeserve.server.InvalidRequestException;
import dev.aeserve.server.batching.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link ModelSelector} into the READY version that serves it, from the last routing
 * state read successfully (DESIGN.md "Routing is last-known state").
 *
 * <p>Every answer the registry gave (a version, an alias's version, a model's split) is kept and
 * replaced only by a newer read. A change notification marks that model's answers stale: the next
 * call re-reads them, and when that read fails because the database is unreachable the stale
 * answer still serves. A periodic reconcile re-reads every kept answer in the background (every
 * {@code reconcileEvery}, every second while the registry is unreachable), so calls for loaded
 * versions never wait on the database. A database error never empties the state. A name the
 * registry does not know leaves nothing behind: a scan of random names cannot grow it, and an
 * alias that was deleted stops serving when the re-read says NOT_FOUND.
 */
public final class VersionResolver implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(VersionResolver.class);

  /** Re-reads every kept answer this often, in case a notification was lost. */
  public static final Duration DEFAULT_RECONCILE = Duration.ofSeconds(5);
  private static final Duration RETRY_WHILE_UNREACHABLE = Duration.ofSeconds(1);
  private static final String SPLIT_KEY = "~split";

  /** One answer and the generation at which its read began. */
  private record Entry(Object value, long readAt) {}

  private final ModelRegistry registry;
  private final Ticker ticker;
  private final long reconcileNanos;
  private final ConcurrentMap<String, ConcurrentMap<String, Entry>> state = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  private final ConcurrentMap<String, Long> changedAt = new ConcurrentHashMap<>();
  private volatile long everythingChangedAt;
  /** When the whole state was last confirmed by a successful reconcile (ticker nanos). */
  private volatile long confirmedAt;
  /** Ticker nanos of the first failure since the last success, or null while reachable. */
  private volatile Long unreachableSince;
  private volatile long lastReconcileStart;
  private volatile long lastOutageLog;
  private final AutoCloseable subscription;
  private final ScheduledExecutorService reconciler;

  public VersionResolver(ModelRegistry registry) {
    this(registry, DEFAULT_RECONCILE, Ticker.SYSTEM);
  }

  public VersionResolver(ModelRegistry registry, Duration reconcileEvery) {
    this(registry, reconcileEvery, Ticker.SYSTEM);
  }

  public VersionResolver(ModelRegistry registry, Duration reconcileEvery, Ticker ticker) {
    this.registry = registry;
    this.ticker = ticker;
    this.reconcileNanos = reconcileEvery.toNanos();
    this.confirmedAt = ticker.nanos();
    this.lastReconcileStart = confirmedAt;
    this.subscription = registry.subscribe(this::onChange);
    this.reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aeserve-routing-reconcile");
      t.setDaemon(true);
      return t;
    });
    long tick = Math.min(reconcileEvery.toMillis(), RETRY_WHILE_UNREACHABLE.toMillis());
    reconciler.scheduleWithFixedDelay(this::reconcileIfDue, tick, tick, TimeUnit.MILLISECONDS);
  }

  public ResolvedVersion resolve(ModelSelector ref) {
    return resolve(ref, true);
  }

  /**
   * What {@link #resolve} answers when it can answer from the answers kept in memory, or null when
   * it would have to read the registry: a caller on a thread that must not block (a transport
   * thread) resolves here and hands a null to a thread that may. Refusals that need no read (an
   * empty name, a version out of range, a kept version that is not READY) are thrown as there.
   */
  public ResolvedVersion resolveIfKept(ModelSelector ref) {
    return resolve(ref, false);
  }

  private ResolvedVersion resolve(ModelSelector ref, boolean mayRead) {
    String name = ref.name();
    if (name.isEmpty()) {
      throw new InvalidRequestException("model.name is empty; name the model to call");
    }
    if (ref.version() != null) {
      long asked = ref.version();
      if (asked < 1 || asked > Integer.MAX_VALUE) {
        throw new InvalidRequestException("model.version must be in [1, " + Integer.MAX_VALUE + "], got " + asked);
      }
      ModelVersion v = version(name, "v" + asked, mayRead);
      return v == null ? null : new ResolvedVersion(ready(v), Route.VERSION, "", "");
    }
    if (ref.alias() != null) {
      ModelVersion v = version(name, "@" + ref.alias(), mayRead);
      return v == null ? null : new ResolvedVersion(ready(v), Route.ALIAS, ref.alias(), "");
    }
    Object splitAnswer = answer(name, SPLIT_KEY, mayRead);
    if (splitAnswer == NOT_KEPT) {
      return null;
    }
    TrafficSplit split = split(splitAnswer);
    if (split == null) {
      ModelVersion v = version(name, "@" + Alias.LATEST, mayRead);
      return v == null ? null : new ResolvedVersion(ready(v), Route.LATEST, "", "");
    }
    int chosen = StickyRouter.route(split, ref.routingKey());
    ModelVersion v = version(name, "v" + chosen, mayRead);
    return v == null ? null : new ResolvedVersion(ready(v), Route.SPLIT, "", "primary:" + chosen, split, split.shadows());
  }

  /**
   * Seconds since the routing state was last confirmed by the registry: about zero while it is
   * reachable, growing while it is not.
   */
  public double stateAgeSeconds() {
    return unreachableSince == null ? 0 : (ticker.nanos() - confirmedAt) / 1e9;
  }

  /** Whether the last read of the registry failed. */
  public boolean registryUnreachable() {
    return unreachableSince != null;
  }

  /** Re-reads every kept answer now; returns whether the registry answered. */
  public boolean reconcile() {
    lastReconcileStart = ticker.nanos();
    long startedAt = lastReconcileStart;
    try {
      for (Map.Entry<String, ConcurrentMap<String, Entry>> model : state.entrySet()) {
        for (String key : List.copyOf(model.getValue().keySet())) {
          refresh(model.getKey(), key);
        }
      }
    } catch (RegistryStorageException e) {
      markUnreachable(e);
      return false;
    }
    markReachable(startedAt);
    return true;
  }

  private void reconcileIfDue() {
    try {
      long now = ticker.nanos();
      if (unreachableSince != null || now - lastReconcileStart >= reconcileNanos) {
        reconcile();
      }
    } catch (RuntimeException e) {
      log.warn("routing reconcile failed", e);
    }
  }

  /** The version kept under {@code key}, read if need be and {@code mayRead}; null when not kept and not read. */
  private ModelVersion version(String model, String key, boolean mayRead) {
    Object v = answer(model, key, mayRead);
    return v == NOT_KEPT ? null : (ModelVersion) v;
  }

  /** The model's split from its answer, or null. */
  private static TrafficSplit split(Object answer) {
    @SuppressWarnings("unchecked")
    Optional<TrafficSplit> s = (Optional<TrafficSplit>) answer;
    return s.filter(t -> !t.primaries().isEmpty()).orElse(null);
  }

  /** What {@link #answer} returns when the answer is not kept and it may not read. */
  private static final Object NOT_KEPT = new Object();

  private Object answer(String model, String key, boolean mayRead) {
    ConcurrentMap<String, Entry> perModel = state.get(model);
    Entry kept = perModel == null ? null : perModel.get(key);
    if (kept != null && (fresh(model, kept) || unreachableSince != null)) {
      // While the registry is unreachable a stale answer serves at once; the reconciler re-reads.
      return kept.value();
    }
    if (!mayRead) {
      return NOT_KEPT;
    }
    try {
      return refresh(model, key);
    } catch (RegistryStorageException e) {
      markUnreachable(e);
      if (kept == null) {
        throw e;
      }
      return kept.value();
    }
  }

  /** Reads one answer and keeps it unless a newer read was kept meanwhile; NOT_FOUND forgets it. */
  private Object refresh(String model, String key) {
    long readAt = generation.get();
    Object value;
    try {
      value = lookup(model, key).get();
    } catch (RegistryNotFoundException e) {
      ConcurrentMap<String, Entry> perModel = state.get(model);
      if (perModel != null) {
        perModel.computeIfPresent(key, (k, old) -> old.readAt() <= readAt ? null : old);
      }
      throw e;
    }
    Entry mine = new Entry(value, readAt);
    state.computeIfAbsent(model, m -> new ConcurrentHashMap<>())
        .merge(key, mine, (old, neu) -> old.readAt() > neu.readAt() ? old : neu);
    return value;
  }

  private Supplier<Object> lookup(String model, String key) {
    if (key.equals(SPLIT_KEY)) {
      return () -> registry.traffic(model);
    }
    if (key.startsWith("v")) {
      int version = Integer.parseInt(key.substring(1));
      return () -> registry.getVersion(model, version);
    }
    String alias = key.substring(1);
    return () -> registry.getVersion(model, registry.resolveAlias(model, alias));
  }

  private boolean fresh(String model, Entry e) {
    return e.readAt() >= everythingChangedAt && e.readAt() >= changedAt.getOrDefault(model, 0L);
  }

  private void markUnreachable(RegistryStorageException e) {
    long now = ticker.nanos();
    if (unreachableSince == null) {
      unreachableSince = now;
      lastOutageLog = now;
      log.warn("registry unreachable ({}); serving the routing state confirmed {} ms ago", e.getMessage(),
          (now - confirmedAt) / 1_000_000);
    } else if (now - lastOutageLog >= TimeUnit.SECONDS.toNanos(5)) {
      lastOutageLog = now;
      log.warn("registry still unreachable; routing state is {} s old ({})",
          String.format(java.util.Locale.ROOT, "%.1f", (now - confirmedAt) / 1e9), e.getMessage());
    }
  }

  private void markReachable(long reconciledFrom) {
    confirmedAt = reconciledFrom;
    Long since = unreachableSince;
    if (since != null) {
      unreachableSince = null;
      log.info("registry reachable again after {} ms; routing state reconciled", (ticker.nanos() - since) / 1_000_000);
    }
  }

  private static ModelVersion ready(ModelVersion v) {
    if (v.state() != VersionState.READY) {
      throw new VersionStateException("version " + v.version() + " of model '" + v.model() + "' is "
          + v.state() + "; only READY versions serve calls");
    }
    return v;
  }

  private void onChange(RegistryChange change) {
    long g = generation.incrementAndGet();
    if (change.model() == null) {
      everythingChangedAt = g;
      // A reconnect: the database is back, so re-read everything now rather than on the next tick.
      reconciler.execute(this::reconcile);
    } else {
      changedAt.put(change.model(), g);
    }
    log.debug("registry change for {}: routing state marked stale", change.model() == null ? "all models" : change.model());
  }

  @Override
  public void close() {
    reconciler.shutdownNow();
    try {
      subscription.close();
    } catch (Exception e) {
      log.warn("closing the registry subscription failed", e);
    }
  }
}
