package dev.aeserve.server.runtime;

import dev.aeserve.registry.ModelVersion;
import java.util.Set;
import java.util.function.Function;

/**
 * Keeps model versions loaded on an engine. The gRPC layer asks it for a version and never sees
 * DJL.
 */
public interface ModelRuntime extends AutoCloseable {

  /**
   * Runs {@code use} on the loaded version, loading it on first use, and keeps the version open
   * until {@code use} returns: an unload or an eviction meanwhile waits for it, so what {@code
   * use} queues is served. Concurrent callers of a version share one load. A load that fails is
   * not cached: the next call tries again.
   */
  <T> T serve(ModelVersion version, Function<? super ServableVersion, ? extends T> use);

  /**
   * Runs {@code use} as {@link #serve} does if the version is loaded now, and answers {@code
   * notLoaded} without running it otherwise: it never loads and never waits for a load, so a
   * thread that must not block (a transport thread) can call it.
   */
  <T> T serveIfLoaded(ModelVersion version, Function<? super ServableVersion, ? extends T> use, T notLoaded);

  /** Loads the version if it is not loaded (a preload or a warm-up's first step). */
  default void load(ModelVersion version) {
    serve(version, s -> null);
  }

  /** Keys ("model:version") of the versions loaded now. */
  Set<String> loaded();

  /** Unloads a version if it is loaded, releasing its engine memory. */
  void unload(String model, int version);

  /**
   * The versions of {@code model} that aliases and splits route to (replacing its earlier set):
   * under a model memory budget they are never evicted to make room for others.
   */
  void pin(String model, Set<Integer> versions);

  /** Keys ("model:version") of the pinned versions. */
  Set<String> pinned();

  @Override
  void close();
}
