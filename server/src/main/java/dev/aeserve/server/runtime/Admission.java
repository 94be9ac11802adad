package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.Interpolation;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.RecommendOptions;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.Texts;
import dev.aeserve.server.FamilyCapabilityException;
import dev.aeserve.server.InvalidRequestException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * The one gate between a call and a version's lanes. Every check of a request against the
 * version it was routed to happens here, before anything is queued: width, finiteness, condition
 * labels, options, and every limit of {@link RequestLimits}. What it returns ({@link Rows},
 * {@link SampleTask}, {@link RecommendTask}) is what the lanes take, and only this class builds
 * {@code Rows}; a batch can therefore only ever merge rows of the version's own shape.
 *
 * <p>One condition, one status: a request the family cannot serve in this form (a score or a
 * sample it has no distribution for, conditions for an unconditional family) is
 * FAILED_PRECONDITION; a malformed or out-of-limit value is INVALID_ARGUMENT.
 */
public final class Admission {

  private final RequestLimits limits;

  public Admission(RequestLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public RequestLimits limits() {
    return limits;
  }

  /** Input rows (inputDim wide), with each row's condition for a conditional family. */
  public Rows inputs(AutoencoderSpec spec, Matrix x, List<String> labels) {
    Rows rows = rows(spec, x, labels, "inputs", spec.inputDim(), "inputDim");
    requireMagnitude("inputs", x, RequestLimits.MAX_ABS_INPUT, "input");
    return rows;
  }

  /** Latent rows (latentDim wide), with each row's condition for a conditional family. */
  public Rows latents(AutoencoderSpec spec, Matrix z, List<String> labels) {
    Rows rows = rows(spec, z, labels, "latents", spec.latentDim(), "latentDim");
    requireLatentRange("latents", z);
    return rows;
  }

  /** Codes a real encoder makes are far inside this bound; beyond it a decoder only overflows. */
  private static void requireLatentRange(String field, Matrix z) {
    requireMagnitude(field, z, RequestLimits.MAX_ABS_LATENT, "latent");
  }

  private static void requireMagnitude(String field, Matrix m, double bound, String what) {
    float[] data = m.data();
    for (int i = 0; i < data.length; i++) {
      if (Math.abs(data[i]) > bound) {
        throw new InvalidRequestException(field + " row " + i / m.cols() + " column " + i % m.cols() + " is "
            + data[i] + "; " + what + " values must be within +/-" + String.format(java.util.Locale.ROOT, "%.0e", bound));
      }
    }
  }

  private Rows rows(AutoencoderSpec spec, Matrix m, List<String> labels, String field, int width, String widthName) {
    if (m.rows() == 0) {
      throw new InvalidRequestException(field + " is empty: send at least one row of " + width + " values ("
          + widthName + ")");
    }
    requireRows(field, m.rows(), limits.maxRows());
    if (m.cols() != width) {
      throw new InvalidRequestException(field + " has " + m.cols() + " values per row, the model expects " + width
          + " (" + widthName + ")");
    }
    requireFinite(field, m);
    return new Rows(m, conditions(spec, labels).resolve(spec, m.rows()));
  }

  /**
   * Rows admitted for one version, admitted again for another (a shadow): the condition labels
   * travel by name, since two versions may number them differently.
   */
  public Rows readmit(AutoencoderSpec from, AutoencoderSpec to, Rows rows) {
    List<String> labels = new ArrayList<>();
    if (rows.labels() != null) {
      for (int index : rows.labels()) {
        labels.add(from.conditionLabels().get(index));
      }
    }
    return inputs(to, rows.x(), labels);
  }

  /** Denoise's server-side corruption of admitted rows; the corrupted rows must stay finite. */
  public Rows corrupted(Rows clean, Corruption corruption, long seed) {
    Matrix noisy = corruption.apply(clean.x(), seed);
    requireFinite("corrupted inputs", noisy);
    return new Rows(noisy, clean.labels());
  }

  /** The score a Reconstruct asks for (null: the spec's own), checked against what the family computes. */
  public ScoreKind scoreKind(AutoencoderSpec spec, ScoreKind asked) {
    ScoreKind kind = asked == null ? spec.defaultScoreKind() : asked;
    if (kind == ScoreKind.NEG_ELBO && !spec.family().variational()) {
      throw new FamilyCapabilityException("score_kind NEGATIVE_ELBO needs a variational family; family '"
          + spec.family().id() + "' scores with MSE or BCE");
    }
    if (kind == ScoreKind.BCE && spec.family() == Family.AUTOREC) {
      throw new FamilyCapabilityException("score_kind BCE does not apply to family 'autorec': it predicts ratings and"
          + " scores MSE over observed ratings");
    }
    if (kind == ScoreKind.MSE_MAHALANOBIS && !spec.canScore(kind)) {
      throw new FamilyCapabilityException("score_kind MSE_MAHALANOBIS needs a version trained with a latent density;"
          + " this version of family '" + spec.family().id() + "' has none (its default score is "
          + spec.defaultScoreKind().id() + ")");
    }
    return kind;
  }

  /** Encode's seeded sample needs a posterior to sample from. */
  public void requirePosterior(AutoencoderSpec spec) {
    if (!spec.family().variational()) {
      throw new FamilyCapabilityException("sample=true needs a family with a posterior to sample from; family '"
          + spec.family().id() + "' has a deterministic encoder");
    }
  }

  /** {@code count} draws from the prior. */
  public SampleTask sample(AutoencoderSpec spec, long count, long seed, Float temperature, List<String> labels) {
    double t = temperature(temperature);
    if (count < 1 || count > limits.maxRows()) {
      throw new InvalidRequestException("count must be in [1, " + limits.maxRows() + "], got " + count);
    }
    Conditions conditions = conditions(spec, labels);
    conditions.resolve(spec, (int) count);
    return new SampleTask((int) count, seed, t, conditions, null, null, null, false, 0);
  }

  /** The path between two endpoints (2 rows of inputs or of latents) in {@code steps} steps. */
  public SampleTask interpolate(AutoencoderSpec spec, long steps, Interpolation method, Matrix endpoints,
      boolean endpointsAreInputs, long seed, Float temperature, List<String> labels) {
    double t = temperature(temperature);
    int maxSteps = Math.min(limits.maxRows(), RequestLimits.MAX_STEPS);
    if (steps < 2 || steps > maxSteps) {
      throw new InvalidRequestException("interpolation.steps must be in [2, " + maxSteps + "], got " + steps);
    }
    if (endpoints == null) {
      throw new InvalidRequestException("interpolation needs its two endpoints, as inputs or as latents");
    }
    String field = endpointsAreInputs ? "interpolation.inputs" : "interpolation.latents";
    int width = endpointsAreInputs ? spec.inputDim() : spec.latentDim();
    if (endpoints.rows() != 2 || endpoints.cols() != width) {
      throw new InvalidRequestException("interpolation endpoints must be 2 rows of " + width + " values ("
          + (endpointsAreInputs ? "inputDim" : "latentDim") + "), got " + endpoints.rows() + "x" + endpoints.cols());
    }
    requireFinite(field, endpoints);
    if (endpointsAreInputs) {
      requireMagnitude(field, endpoints, RequestLimits.MAX_ABS_INPUT, "input");
    } else {
      requireLatentRange(field, endpoints);
    }
    Conditions conditions = conditions(spec, labels);
    conditions.resolve(spec, (int) steps);
    return new SampleTask(0, seed, t, conditions, method, endpoints.row(0), endpoints.row(1), endpointsAreInputs,
        (int) steps);
  }

  /**
   * Users' histories and the ranking options. Item ids are not looked up here: unknown ids are
   * reported in the answer, not refused (DESIGN.md section 4).
   */
  public RecommendTask recommend(List<String> userIds, List<List<Interaction>> users, long k, boolean excludeSeen,
      List<String> candidates, List<String> excluded) {
    if (users.isEmpty()) {
      throw new InvalidRequestException("users is empty; send at least one user's history");
    }
    int maxUsers = Math.min(limits.maxRows(), RequestLimits.MAX_USERS);
    if (users.size() > maxUsers) {
      throw new InvalidRequestException(users.size() + " users in one call; at most " + maxUsers);
    }
    if (k < 1 || k > RequestLimits.MAX_K) {
      throw new InvalidRequestException("k must be in [1, " + RequestLimits.MAX_K + "], got " + k);
    }
    List<List<Interaction>> histories = new ArrayList<>(users.size());
    for (int u = 0; u < users.size(); u++) {
      List<Interaction> h = users.get(u);
      String who = "user " + u + " (" + Texts.capped(userIds.get(u)) + ")";
      if (h.isEmpty()) {
        throw new InvalidRequestException(who + " has an empty history");
      }
      for (Interaction i : h) {
        if (!Float.isFinite(i.value())) {
          throw new InvalidRequestException(who + " item '" + Texts.capped(i.itemId()) + "' has value "
              + i.value() + "; values must be finite");
        }
      }
      histories.add(List.copyOf(h));
    }
    return new RecommendTask(histories,
        new RecommendOptions((int) k, excludeSeen, new HashSet<>(candidates), new HashSet<>(excluded)));
  }

  private static double temperature(Float temperature) {
    if (temperature == null) {
      return 1.0;
    }
    if (!Float.isFinite(temperature) || temperature <= 0 || temperature > RequestLimits.MAX_TEMPERATURE) {
      throw new InvalidRequestException("temperature must be in (0, " + RequestLimits.MAX_TEMPERATURE + "], got "
          + temperature);
    }
    return temperature;
  }

  private static Conditions conditions(AutoencoderSpec spec, List<String> labels) {
    if (labels.isEmpty()) {
      return Conditions.NONE;
    }
    if (!spec.family().conditional()) {
      throw new FamilyCapabilityException("family '" + spec.family().id() + "' is not conditional; leave condition empty");
    }
    return labels.size() == 1 ? Conditions.named(spec, labels.get(0)) : Conditions.named(spec, labels);
  }

  private static void requireRows(String field, long rows, int max) {
    if (rows < 1) {
      throw new InvalidRequestException(field + " is empty: it must have at least 1 row");
    }
    if (rows > max) {
      throw new InvalidRequestException(field + " has " + rows + " rows; at most " + max
          + " rows are allowed per request");
    }
  }

  private static void requireFinite(String field, Matrix m) {
    float[] data = m.data();
    for (int i = 0; i < data.length; i++) {
      if (!Float.isFinite(data[i])) {
        throw new InvalidRequestException(field + " row " + i / m.cols() + " column " + i % m.cols() + " is "
            + data[i] + "; values must be finite");
      }
    }
  }
}
