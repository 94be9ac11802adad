package dev.aeserve.server.rollout;

import dev.aeserve.registry.Alias;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.RegistryChange;
import dev.aeserve.registry.RegistryNotFoundException;
import dev.aeserve.registry.VersionState;
import dev.aeserve.server.runtime.ModelRuntime;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the loaded versions in step with the registry's routing. When a model's routing changes
 * (in any server of the fleet), the versions its aliases and split now reference are loaded in the
 * background, so the first call does not pay for the load. Versions nothing routes to any more
 * (no alias, no split arm, and not the newest READY version) are unloaded after a grace period,
 * once their queues have drained, and their engine memory comes back. The newest version is
 * loaded on its first call, not on upload: an upload alone sends it no traffic.
 */
public final class VersionLifecycle implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(VersionLifecycle.class);

  private final ModelRegistry registry;
  private final ModelRuntime runtime;
  private final Duration unloadGrace;
  private final Set<String> pendingUnloads = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "aeserve-version-lifecycle");
    t.setDaemon(true);
    return t;
  });
  private final AutoCloseable subscription;

  public VersionLifecycle(ModelRegistry registry, ModelRuntime runtime, Duration unloadGrace) {
    this.registry = registry;
    this.runtime = runtime;
    this.unloadGrace = unloadGrace;
    this.subscription = registry.subscribe(this::onChange);
  }

  private void onChange(RegistryChange change) {
    try {
      executor.execute(() -> {
        if (change.model() == null) {
          registry.listModels().forEach(m -> reconcile(m.name()));
        } else {
          reconcile(change.model());
        }
      });
    } catch (RejectedExecutionException closed) {
      // shutting down
    }
  }

  /** The versions of a model that aliases and the split send traffic to. */
  Set<Integer> routed(String model) {
    Set<Integer> out = new HashSet<>();
    registry.listAliases(model).forEach(a -> out.add(a.version()));
    registry.traffic(model).ifPresent(s -> {
      s.primaries().stream().filter(a -> a.weight() > 0).forEach(a -> out.add(a.version()));
      s.shadows().forEach(a -> out.add(a.version()));
    });
    return out;
  }

  /** What may stay loaded: the routed versions and the newest READY one. */
  Set<Integer> referenced(String model) {
    Set<Integer> out = routed(model);
    try {
      out.add(registry.resolveAlias(model, Alias.LATEST));
    } catch (RegistryNotFoundException none) {
      // no READY version
    }
    return out;
  }

  private void reconcile(String model) {
    try {
      Set<Integer> routed = routed(model);
      // What traffic is routed to stays loaded under a memory budget; the rest loads on demand.
      runtime.pin(model, routed);
      for (int v : routed) {
        var version = registry.getVersion(model, v);
        if (version.state() == VersionState.READY && !runtime.loaded().contains(model + ":" + v)) {
          runtime.load(version);
        }
      }
      Set<Integer> wanted = referenced(model);
      for (String key : List.copyOf(runtime.loaded())) {
        int colon = key.lastIndexOf(':');
        if (key.substring(0, colon).equals(model) && !wanted.contains(Integer.parseInt(key.substring(colon + 1)))
            && pendingUnloads.add(key)) {
          executor.schedule(() -> unloadIfStillUnreferenced(model, Integer.parseInt(key.substring(colon + 1))),
              unloadGrace.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (RuntimeException e) {
      log.warn("could not reconcile the loaded versions of '{}': {}", model, e.getMessage());
    }
  }

  private void unloadIfStillUnreferenced(String model, int version) {
    pendingUnloads.remove(model + ":" + version);
    try {
      if (!referenced(model).contains(version)) {
        runtime.unload(model, version);
      }
    } catch (RuntimeException e) {
      log.warn("could not unload {}:{}: {}", model, version, e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      subscription.close();
    } catch (Exception e) {
      log.debug("closing the subscription failed", e);
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
