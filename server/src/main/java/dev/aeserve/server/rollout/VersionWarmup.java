package dev.aeserve.server.rollout;

import dev.aeserve.autoencoders.GoldenBatch;
import dev.aeserve.autoencoders.IncompatibleWeightsException;
import dev.aeserve.autoencoders.InvalidSpecException;
import dev.aeserve.registry.ArtifactIntegrityException;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.VersionState;
import dev.aeserve.registry.VersionStateException;
import dev.aeserve.server.VersionFailedException;
import dev.aeserve.server.runtime.ModelRuntime;
import dev.aeserve.server.runtime.ServableVersion;
import dev.aeserve.server.runtime.VersionMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a version and runs its golden batch (see {@link GoldenBatchRun}) on every replica before
 * any alias or split may send it traffic. The golden batch is the {@code goldenBatch} of the
 * version's metrics: held-out rows training kept, with their recorded mean score, or rows the
 * upload brought. Uploads check it fits the spec, so here it is read, not judged.
 *
 * <p>A version whose weights do not load, whose artifact is corrupt, or whose golden batch fails is
 * marked FAILED with the reason, and the caller's routing change is refused.
 */
public final class VersionWarmup {

  private static final Logger log = LoggerFactory.getLogger(VersionWarmup.class);

  private final ModelRegistry registry;
  private final ModelRuntime runtime;

  public VersionWarmup(ModelRegistry registry, ModelRuntime runtime) {
    this.registry = registry;
    this.runtime = runtime;
  }

  public void warm(ModelVersion version, String actor) {
    if (version.state() != VersionState.READY) {
      throw new VersionStateException("version " + version.version() + " of '" + version.model() + "' is "
          + version.state() + (version.failureReason() == null ? "" : " (" + version.failureReason() + ")")
          + "; only READY versions can take traffic");
    }
    String ran;
    try {
      // Held open while its golden batch runs: an eviction meanwhile cannot close it under the run.
      ran = runtime.serve(version, servable -> runGoldenBatch(version, servable, actor));
    } catch (IncompatibleWeightsException | ArtifactIntegrityException | InvalidSpecException e) {
      throw fail(version, "it does not load: " + e.getMessage(), e, actor);
    }
    log.info("warmed up {}:{} on {}", version.model(), version.version(), ran);
  }

  private String runGoldenBatch(ModelVersion version, ServableVersion servable, String actor) {
    GoldenBatch golden = VersionMetrics.fromJson(version.metricsJson()).goldenBatch();
    if (golden != null) {
      golden.requireFits(servable.spec());
    }
    String ran = "";
    for (ServableVersion.Replica replica : servable.replicas()) {
      GoldenBatchRun.Outcome outcome;
      try {
        outcome = GoldenBatchRun.run(replica.model(), golden, servable.calibration());
      } catch (RuntimeException e) {
        throw fail(version, "its warm-up batch failed: " + e.getMessage(), e, actor);
      }
      if (outcome.failure().isPresent()) {
        throw fail(version, outcome.failure().get() + " on " + replica.device(), null, actor);
      }
      ran = outcome.ran();
    }
    return ran;
  }

  private VersionFailedException fail(ModelVersion version, String why, Throwable cause, String actor) {
    String reason = "version " + version.version() + " of '" + version.model() + "' failed its warm-up: " + why;
    runtime.unload(version.model(), version.version());
    try {
      registry.failVersion(version.model(), version.version(), reason, actor);
    } catch (RuntimeException e) {
      log.warn("could not mark {}:{} FAILED: {}", version.model(), version.version(), e.getMessage());
    }
    return new VersionFailedException(reason + "; the routing was left as it was", cause);
  }
}
