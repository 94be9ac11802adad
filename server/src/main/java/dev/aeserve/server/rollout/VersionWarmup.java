package dev.aeserve.server.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.IncompatibleWeightsException;
import dev.aeserve.autoencoders.InvalidSpecException;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.registry.ArtifactIntegrityException;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.VersionState;
import dev.aeserve.registry.VersionStateException;
import dev.aeserve.server.VersionFailedException;
import dev.aeserve.server.runtime.ModelRuntime;
import dev.aeserve.server.runtime.ServableVersion;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a version and runs its golden batch before any alias or split may send it traffic. The
 * golden batch is the {@code goldenBatch} rows in the version's metrics (held-out rows the trainer
 * kept); where the version is calibrated, their mean score must stay under the threshold. A
 * version without a golden batch is warmed up on zero rows, which proves it computes but not that
 * it computes well.
 *
 * <p>A version whose weights do not load, whose artifact is corrupt, or whose golden batch fails is
 * marked FAILED with the reason, and the caller's routing change is refused.
 */
public final class VersionWarmup {

  private static final Logger log = LoggerFactory.getLogger(VersionWarmup.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ModelRegistry registry;
  private final ModelRuntime runtime;

  public VersionWarmup(ModelRegistry registry, ModelRuntime runtime) {
    this.registry = registry;
    this.runtime = runtime;
  }

  public ServableVersion warm(ModelVersion version, String actor) {
    if (version.state() != VersionState.READY) {
      throw new VersionStateException("version " + version.version() + " of '" + version.model() + "' is "
          + version.state() + (version.failureReason() == null ? "" : " (" + version.failureReason() + ")")
          + "; only READY versions can take traffic");
    }
    ServableVersion servable;
    try {
      servable = runtime.get(version);
    } catch (IncompatibleWeightsException | ArtifactIntegrityException | InvalidSpecException e) {
      throw fail(version, "it does not load: " + e.getMessage(), e, actor);
    }
    AutoencoderSpec spec = servable.spec();
    if (!spec.family().serves(Rpc.RECONSTRUCT)) {
      return servable;
    }
    Matrix golden = goldenBatch(version, spec);
    boolean real = golden != null;
    Matrix rows = real ? golden : new Matrix(2, spec.inputDim(), new float[2 * spec.inputDim()]);
    Conditions conditions = spec.family().conditional() ? Conditions.all(0) : Conditions.NONE;
    Reconstruction r;
    try {
      r = servable.model().reconstruct(rows, spec.defaultScoreKind(), conditions);
    } catch (RuntimeException e) {
      throw fail(version, "its warm-up batch failed: " + e.getMessage(), e, actor);
    }
    double mean = 0;
    for (float s : r.scores()) {
      mean += s;
    }
    mean /= r.scores().length;
    if (!Double.isFinite(mean)) {
      throw fail(version, "its warm-up batch scored " + mean, null, actor);
    }
    Calibration cal = Calibration.fromJson(version.calibrationJson());
    if (real && cal != null && cal.scoreKind().equals(spec.defaultScoreKind().id()) && mean > cal.threshold()) {
      throw fail(version, String.format(Locale.ROOT,
          "its golden batch's mean %s score %.6g is above its calibrated threshold %.6g", cal.scoreKind(), mean,
          cal.threshold()), null, actor);
    }
    log.info("warmed up {}:{} on {} {} rows (mean score {})", version.model(), version.version(),
        real ? "golden" : "zero", rows.rows(), mean);
    return servable;
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

  /** The {@code goldenBatch} rows stored in a version's metrics, or null. */
  static Matrix goldenBatch(ModelVersion version, AutoencoderSpec spec) {
    try {
      JsonNode rows = JSON.readTree(version.metricsJson() == null ? "{}" : version.metricsJson()).get("goldenBatch");
      if (rows == null || !rows.isArray() || rows.isEmpty()) {
        return null;
      }
      float[] data = new float[rows.size() * spec.inputDim()];
      for (int r = 0; r < rows.size(); r++) {
        JsonNode row = rows.get(r);
        if (row.size() != spec.inputDim()) {
          return null;
        }
        for (int c = 0; c < row.size(); c++) {
          data[r * spec.inputDim() + c] = (float) row.get(c).asDouble();
        }
      }
      return new Matrix(rows.size(), spec.inputDim(), data);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return null;
    }
  }
}
