package dev.aeserve.autoencoders;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * A few real held-out rows kept with a version, so that its warm-up checks the version computes
 * what training measured before any traffic reaches it. Training stores up to {@link #TRAINED_ROWS}
 * rows in the version's metrics; an upload may bring its own.
 *
 * @param rows the input rows, each {@code inputDim} finite values
 * @param labels cvae: each row's condition label (a name from the spec's conditionLabels); null for
 *     every other family
 * @param scoreKind the Reconstruct score {@code meanScore} was computed with (mse, bce or neg_elbo)
 * @param meanScore the rows' mean score when training recorded it on the trained artifact; null when
 *     unknown (warm-up then checks only that the scores are finite and, when calibrated, under the
 *     threshold)
 * @param classes what each row is where the training data was labelled (a Fashion-MNIST class, a
 *     cvae's condition), for people only: the console colours its latent map by it; it is never given
 *     to the model. Null when the data had no labels
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GoldenBatch(float[][] rows, List<String> labels, String scoreKind, Double meanScore,
    List<String> classes) {

  /** A batch without class labels. */
  public GoldenBatch(float[][] rows, List<String> labels, String scoreKind, Double meanScore) {
    this(rows, labels, scoreKind, meanScore, null);
  }

  /** How many rows training keeps. */
  public static final int TRAINED_ROWS = 32;
  /** The most rows a golden batch may have. */
  public static final int MAX_ROWS = 64;
  /** The most values (rows times width): keeps the metrics document small for wide inputs. */
  public static final int MAX_VALUES = 1 << 18;

  /** Checks what can be checked without the spec; {@link #requireFits} does the rest. */
  public GoldenBatch {
    if (rows == null || rows.length == 0) {
      throw new InvalidSpecException("goldenBatch.rows is missing or empty");
    }
    if (rows.length > MAX_ROWS) {
      throw new InvalidSpecException("goldenBatch has " + rows.length + " rows; at most " + MAX_ROWS + " are allowed");
    }
    int width = rows[0] == null ? 0 : rows[0].length;
    if ((long) width * rows.length > MAX_VALUES) {
      throw new InvalidSpecException("goldenBatch has " + ((long) width * rows.length) + " values; at most "
          + MAX_VALUES + " are allowed (fewer rows for wide inputs)");
    }
    for (int r = 0; r < rows.length; r++) {
      if (rows[r] == null || rows[r].length != width || width == 0) {
        throw new InvalidSpecException("goldenBatch.rows[" + r + "] has " + (rows[r] == null ? 0 : rows[r].length)
            + " values, rows[0] has " + width + "; every row must have the model's inputDim values");
      }
      for (int c = 0; c < width; c++) {
        if (!Float.isFinite(rows[r][c])) {
          throw new InvalidSpecException("goldenBatch.rows[" + r + "][" + c + "] is " + rows[r][c]
              + "; values must be finite");
        }
      }
    }
    if (labels != null) {
      if (labels.size() != rows.length) {
        throw new InvalidSpecException("goldenBatch has " + labels.size() + " labels for " + rows.length
            + " rows; give one per row");
      }
      labels = List.copyOf(labels);
    }
    if (classes != null) {
      if (classes.size() != rows.length) {
        throw new InvalidSpecException("goldenBatch has " + classes.size() + " classes for " + rows.length
            + " rows; give one per row");
      }
      for (int i = 0; i < classes.size(); i++) {
        String c = classes.get(i);
        if (c == null || c.isBlank() || c.length() > 64) {
          throw new InvalidSpecException("goldenBatch.classes[" + i + "] must be a name of 1 to 64 characters");
        }
      }
      classes = List.copyOf(classes);
    }
    scoreKind = Objects.requireNonNullElse(scoreKind, "").trim();
    if (!scoreKind.isEmpty()) {
      try {
        scoreKind = ScoreKind.fromId(scoreKind).id();
      } catch (InvalidInputException e) {
        throw new InvalidSpecException("goldenBatch.scoreKind must be one of mse, bce, neg_elbo, mse_mahalanobis");
      }
    } else {
      scoreKind = null;
    }
    if (meanScore != null && !Double.isFinite(meanScore)) {
      throw new InvalidSpecException("goldenBatch.meanScore must be finite, got " + meanScore);
    }
    if (meanScore != null && scoreKind == null) {
      throw new InvalidSpecException("goldenBatch.meanScore needs the scoreKind it was computed with");
    }
  }

  /**
   * Checks the batch against the version's spec: width, labels (required for cvae, refused
   * elsewhere) and a score kind the spec can compute.
   */
  public GoldenBatch requireFits(AutoencoderSpec spec) {
    if (rows[0].length != spec.inputDim()) {
      throw new InvalidSpecException("goldenBatch rows have " + rows[0].length + " values, the spec's inputDim is "
          + spec.inputDim());
    }
    if (spec.family().conditional()) {
      if (labels == null) {
        throw new InvalidSpecException("goldenBatch of a " + spec.family().id()
            + " model needs labels: one condition label per row");
      }
      for (int i = 0; i < labels.size(); i++) {
        if (labels.get(i) == null || !spec.conditionLabels().contains(labels.get(i))) {
          throw new InvalidSpecException("goldenBatch.labels[" + i + "] is not one of the spec's conditionLabels");
        }
      }
    } else if (labels != null) {
      throw new InvalidSpecException("goldenBatch has labels but family '" + spec.family().id()
          + "' takes no conditions");
    }
    if (scoreKind != null && !spec.canScore(ScoreKind.fromId(scoreKind))) {
      throw new InvalidSpecException("goldenBatch.scoreKind " + scoreKind + " is not a score family '"
          + spec.family().id() + "' computes");
    }
    return this;
  }

  // Rows compare by content so that a batch read back from JSON equals the one written.
  @Override
  public boolean equals(Object o) {
    return o instanceof GoldenBatch g && java.util.Arrays.deepEquals(g.rows, rows) && Objects.equals(g.labels, labels)
        && Objects.equals(g.scoreKind, scoreKind) && Objects.equals(g.meanScore, meanScore)
        && Objects.equals(g.classes, classes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(java.util.Arrays.deepHashCode(rows), labels, scoreKind, meanScore, classes);
  }

  @Override
  public String toString() {
    return "GoldenBatch[" + rows.length + " rows of " + rows[0].length + ", scoreKind=" + scoreKind + ", meanScore="
        + meanScore + "]";
  }

  /** The rows as one matrix. */
  public Matrix matrix() {
    return Matrix.of(rows);
  }

  /** The rows' conditions for the spec: per-row labels for cvae, none elsewhere. */
  public Conditions conditions(AutoencoderSpec spec) {
    return labels == null ? Conditions.NONE : Conditions.named(spec, labels);
  }

  /** The score kind to warm up with: the recorded one, or the spec's default. */
  public ScoreKind scoreKindOr(ScoreKind fallback) {
    return scoreKind == null ? fallback : ScoreKind.fromId(scoreKind);
  }
}
