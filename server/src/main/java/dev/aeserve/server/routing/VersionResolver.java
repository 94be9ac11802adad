package dev.aeserve.server.routing;

import dev.aeserve.registry.Alias;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.RegistryChange;
import dev.aeserve.registry.TrafficSplit;
import dev.aeserve.registry.VersionState;
import dev.aeserve.registry.VersionStateException;
import dev.aeserve.server.InvalidRequestException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link ModelSelector} into the READY version that serves it.
 *
 * <p>Resolutions are cached per model and dropped when the registry's change feed says the model
 * changed, so a moved alias is seen by every server as soon as the change commits, without a
 * database round trip per call.
 */
public final class VersionResolver implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(VersionResolver.class);

  private final ModelRegistry registry;
  private final ConcurrentMap<String, ConcurrentMap<String, ModelVersion>> cache = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Optional<TrafficSplit>> splits = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  private final AutoCloseable subscription;

  /** Drops every cached route this often, in case a notification was lost (or Postgres restarted). */
  public static final Duration DEFAULT_RECONCILE = Duration.ofSeconds(5);

  private final ScheduledExecutorService reconciler;

  public VersionResolver(ModelRegistry registry) {
    this(registry, DEFAULT_RECONCILE);
  }

  public VersionResolver(ModelRegistry registry, Duration reconcileEvery) {
    this.registry = registry;
    this.subscription = registry.subscribe(this::onChange);
    this.reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aeserve-routing-reconcile");
      t.setDaemon(true);
      return t;
    });
    long period = reconcileEvery.toMillis();
    reconciler.scheduleAtFixedRate(() -> onChange(RegistryChange.everything()), period, period, TimeUnit.MILLISECONDS);
  }

  public ResolvedVersion resolve(ModelSelector ref) {
    String name = ref.name();
    if (name.isEmpty()) {
      throw new InvalidRequestException("model.name is empty; name the model to call");
    }
    if (ref.version() != null) {
      long asked = ref.version();
      if (asked < 1 || asked > Integer.MAX_VALUE) {
        throw new InvalidRequestException("model.version must be in [1, " + Integer.MAX_VALUE + "], got " + asked);
      }
      int version = (int) asked;
      return new ResolvedVersion(ready(cached(name, "v" + version, () -> registry.getVersion(name, version))),
          Route.VERSION, "", "");
    }
    if (ref.alias() != null) {
      String alias = ref.alias();
      ModelVersion v = cached(name, "@" + alias, () -> registry.getVersion(name, registry.resolveAlias(name, alias)));
      return new ResolvedVersion(ready(v), Route.ALIAS, alias, "");
    }
    TrafficSplit split = split(name);
    if (split == null) {
      ModelVersion v = cached(name, "@" + Alias.LATEST,
          () -> registry.getVersion(name, registry.resolveAlias(name, Alias.LATEST)));
      return new ResolvedVersion(ready(v), Route.LATEST, "", "");
    }
    int chosen = StickyRouter.route(split, ref.routingKey());
    ModelVersion v = cached(name, "v" + chosen, () -> registry.getVersion(name, chosen));
    return new ResolvedVersion(ready(v), Route.SPLIT, "", "primary:" + chosen, split, split.shadows());
  }

  /** The model's split, or null; cached like versions and dropped on change. */
  private TrafficSplit split(String model) {
    Optional<TrafficSplit> s = splits.get(model);
    if (s == null) {
      long seen = generation.get();
      s = registry.traffic(model);
      if (generation.get() == seen) {
        splits.put(model, s);
      }
    }
    return s.filter(t -> !t.primaries().isEmpty()).orElse(null);
  }

  private ModelVersion cached(String model, String key, Supplier<ModelVersion> lookup) {
    ConcurrentMap<String, ModelVersion> perModel = cache.get(model);
    ModelVersion v = perModel == null ? null : perModel.get(key);
    if (v == null) {
      // A change that commits while we look up must not leave the old answer cached. A name that
      // is not found leaves nothing behind: a scan of random names cannot grow the cache.
      long seen = generation.get();
      v = lookup.get();
      if (generation.get() == seen) {
        cache.computeIfAbsent(model, m -> new ConcurrentHashMap<>()).put(key, v);
      }
    }
    return v;
  }

  private static ModelVersion ready(ModelVersion v) {
    if (v.state() != VersionState.READY) {
      throw new VersionStateException("version " + v.version() + " of model '" + v.model() + "' is "
          + v.state() + "; only READY versions serve calls");
    }
    return v;
  }

  private void onChange(RegistryChange change) {
    generation.incrementAndGet();
    if (change.model() == null) {
      cache.clear();
      splits.clear();
    } else {
      cache.remove(change.model());
      splits.remove(change.model());
    }
    log.debug("registry change for {}: routing cache dropped", change.model() == null ? "all models" : change.model());
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
