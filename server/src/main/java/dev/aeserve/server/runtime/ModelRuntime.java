package dev.aeserve.server.runtime;

import dev.aeserve.registry.ModelVersion;
import java.util.Set;

/**
 * Keeps model versions loaded on an engine. The gRPC layer asks it for a version and never sees
 * DJL.
 */
public interface ModelRuntime extends AutoCloseable {

  /**
   * The loaded version, loading it on first use. Concurrent callers of a version share one load.
   * A load that fails is not cached: the next call tries again.
   */
  ServableVersion get(ModelVersion version);

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
