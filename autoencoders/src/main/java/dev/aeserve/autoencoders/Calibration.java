package dev.aeserve.autoencoders;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A version's anomaly calibration, stored as JSON on the version: scores above {@code threshold}
 * are anomalous.
 *
 * @param scoreKind the score the threshold applies to: mse, bce, neg_elbo or mse_mahalanobis
 * @param method how the threshold was derived: percentile or mean_k_sigma
 * @param parameter the method's parameter (the percentile, or k)
 * @param sampleCount how many held-out normal rows it was computed from
 * @param quantiles score quantiles of those rows, keyed by the quantile as text ("0.5", "0.99",
 *     "1" is the maximum); null in calibrations stored before quantiles were recorded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Calibration(double threshold, String scoreKind, String method, double parameter, long sampleCount,
    Map<String, Double> quantiles) {

  private static final Set<String> SCORE_KINDS = Set.of("mse", "bce", "neg_elbo", "mse_mahalanobis");
  private static final Set<String> METHODS = Set.of("percentile", "mean_k_sigma");
  private static final ObjectMapper JSON = new ObjectMapper();

  public Calibration {
    if (!Double.isFinite(threshold)) {
      throw new InvalidSpecException("calibration threshold must be finite, got " + threshold);
    }
    scoreKind = Objects.requireNonNullElse(scoreKind, "").toLowerCase(Locale.ROOT);
    method = Objects.requireNonNullElse(method, "").toLowerCase(Locale.ROOT);
    if (!SCORE_KINDS.contains(scoreKind)) {
      throw new InvalidSpecException("calibration scoreKind must be one of " + SCORE_KINDS + ", got '"
          + Texts.capped(scoreKind) + "'");
    }
    if (!METHODS.contains(method)) {
      throw new InvalidSpecException("calibration method must be one of " + METHODS + ", got '" + Texts.capped(method)
          + "'");
    }
    if (method.equals("percentile") && !(parameter > 0 && parameter <= 100)) {
      throw new InvalidSpecException("calibration parameter of method percentile must be in (0, 100], got " + parameter);
    }
    if (!Double.isFinite(parameter)) {
      throw new InvalidSpecException("calibration parameter must be finite, got " + parameter);
    }
    if (sampleCount < 1) {
      throw new InvalidSpecException("calibration sampleCount must be >= 1 (the held-out rows it was computed from), got "
          + sampleCount);
    }
    if (quantiles != null) {
      for (Map.Entry<String, Double> q : quantiles.entrySet()) {
        requireQuantile(q.getKey(), q.getValue());
      }
    }
    quantiles = quantiles == null ? null : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(quantiles));
  }

  private static void requireQuantile(String key, Double value) {
    double at;
    try {
      at = Double.parseDouble(key);
    } catch (NumberFormatException e) {
      at = Double.NaN;
    }
    if (!(at >= 0 && at <= 1)) {
      throw new InvalidSpecException("calibration quantiles are keyed by a number in [0, 1] such as \"0.99\"; a key is "
          + "not");
    }
    if (value == null || !Double.isFinite(value)) {
      throw new InvalidSpecException("calibration quantile " + at + " must be a finite score, got " + value);
    }
  }

  /**
   * Checks the calibration can apply to a version of {@code spec}: its score kind is one the
   * family computes (neg_elbo only for variational families).
   */
  public Calibration requireFits(AutoencoderSpec spec) {
    if (!spec.canScore(ScoreKind.fromId(scoreKind))) {
      throw new InvalidSpecException("calibration scoreKind " + scoreKind + " is not a score family '"
          + spec.family().id() + "' computes" + (scoreKind.equals("neg_elbo")
          ? "; neg_elbo needs a variational family (vae, cvae, multvae)" : ""));
    }
    if (!spec.family().serves(Rpc.RECONSTRUCT)) {
      throw new InvalidSpecException("family '" + spec.family().id() + "' does not serve Reconstruct, so a calibration "
          + "has nothing to apply to");
    }
    return this;
  }

  /** A calibration without recorded quantiles. */
  public Calibration(double threshold, String scoreKind, String method, double parameter, long sampleCount) {
    this(threshold, scoreKind, method, parameter, sampleCount, null);
  }

  /** Whether a score is anomalous under this calibration: strictly above the threshold. */
  public boolean isAnomalous(double score) {
    return score > threshold;
  }

  /** For people: for example "99th percentile of 6000 held-out rows". */
  public String description() {
    if (method.equals("percentile")) {
      return String.format(Locale.ROOT, "%sth percentile of %d held-out rows", trim(parameter), sampleCount);
    }
    return String.format(Locale.ROOT, "mean + %s sigma of %d held-out rows", trim(parameter), sampleCount);
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a stored calibration; null or blank text means the version has none. */
  public static Calibration fromJson(String json) {
    if (json == null || json.isBlank() || json.equals("{}")) {
      return null;
    }
    try {
      Calibration c = JSON.readValue(json, Calibration.class);
      if (c == null) {
        throw new InvalidSpecException("calibration must be a JSON object, found JSON null");
      }
      return c;
    } catch (JsonProcessingException e) {
      if (e.getCause() instanceof InvalidSpecException ise) {
        throw ise;
      }
      throw new InvalidSpecException("calibration is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
