package dev.aeserve.autoencoders;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Arrays;
import java.util.Locale;

/**
 * The input values a version was trained on, per feature: rows outside it are not what the model
 * learned to reconstruct, so their scores say nothing about normality (a value of -3.4e38 scored
 * -Infinity and a sigmoid model's 5 scored as normal). Recorded in the spec at training; see
 * {@link #fit} for how it is drawn and {@link #derived} for specs written before it existed.
 *
 * <p>Whatever the bounds, a value that is not finite or exceeds {@value #MAX_ABS_VALUE} in
 * magnitude is outside every domain: beyond it float32 arithmetic through a few dense layers and
 * a squared error cannot be trusted to stay finite.
 *
 * @param lower per-feature lower bounds, or null for none
 * @param upper per-feature upper bounds, or null for none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InputDomain(float[] lower, float[] upper) {
  /** Each side of an observed range is widened by this fraction of the range. */
  public static final double MARGIN = 0.1;
  /** The widening of a feature that was constant in training: this much, or MARGIN of its value. */
  public static final double CONSTANT_FEATURE_MARGIN = 0.1;
  /** The largest magnitude any domain admits. */
  public static final float MAX_ABS_VALUE = 1e15f;

  private static final InputDomain UNBOUNDED = new InputDomain(null, null);

  public InputDomain {
    if (lower != null && upper != null && lower.length != upper.length) {
      throw new InvalidSpecException("inputDomain has " + lower.length + " lower and " + upper.length
          + " upper bounds");
    }
    for (int c = 0; lower != null && c < lower.length; c++) {
      if (!Float.isFinite(lower[c]) || upper != null && !(lower[c] <= upper[c])) {
        throw new InvalidSpecException("inputDomain feature " + c + " has bounds [" + lower[c] + ", "
            + (upper == null ? "inf" : upper[c]) + "]; they must be finite with lower <= upper");
      }
    }
    for (int c = 0; upper != null && c < upper.length; c++) {
      if (!Float.isFinite(upper[c])) {
        throw new InvalidSpecException("inputDomain feature " + c + " has upper bound " + upper[c]
            + "; bounds must be finite");
      }
    }
  }

  /** Every feature in [0, 1]: what a sigmoid decoder can reproduce and what bce trains on. */
  public static InputDomain unit(int width) {
    float[] ones = new float[width];
    Arrays.fill(ones, 1f);
    return new InputDomain(new float[width], ones);
  }

  /** Every feature at least 0, with no upper bound. */
  public static InputDomain nonNegative(int width) {
    return new InputDomain(new float[width], null);
  }

  /** No bounds beyond finiteness and {@value #MAX_ABS_VALUE}. */
  public static InputDomain unbounded() {
    return UNBOUNDED;
  }

  /**
   * Each feature's observed [min, max] in {@code data}, widened on each side by {@value #MARGIN}
   * of its range (a constant feature by {@value #CONSTANT_FEATURE_MARGIN} or that fraction of its
   * value, whichever is larger), so rows like the training rows are inside with room to spare.
   */
  public static InputDomain observed(Matrix data) {
    requireRows(data);
    int cols = data.cols();
    float[] min = new float[cols];
    float[] max = new float[cols];
    Arrays.fill(min, Float.POSITIVE_INFINITY);
    Arrays.fill(max, Float.NEGATIVE_INFINITY);
    float[] d = data.data();
    for (int i = 0; i < d.length; i++) {
      int c = i % cols;
      min[c] = Math.min(min[c], d[i]);
      max[c] = Math.max(max[c], d[i]);
    }
    for (int c = 0; c < cols; c++) {
      widen(min, max, c, min[c], max[c]);
    }
    return new InputDomain(min, max);
  }

  /**
   * One observed range shared by every feature, widened as in {@link #observed}: for inputs whose
   * columns share a scale (a recommender's ratings), where a column's own range says only which
   * ratings its few raters happened to give.
   */
  public static InputDomain observedShared(Matrix data) {
    requireRows(data);
    float lo = Float.POSITIVE_INFINITY;
    float hi = Float.NEGATIVE_INFINITY;
    for (float v : data.data()) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    float[] min = new float[data.cols()];
    float[] max = new float[data.cols()];
    for (int c = 0; c < min.length; c++) {
      widen(min, max, c, lo, hi);
    }
    return new InputDomain(min, max);
  }

  /**
   * The domain a spec trained on {@code data} (raw rows, as callers send them) records:
   * <ul>
   *   <li>multvae: counts of at least 0, unbounded above, because its encoder normalizes each row
   *       and only the sign of a count matters;
   *   <li>autorec: the ratings' one shared range ({@link #observedShared});
   *   <li>bce, or a sigmoid output without standardization, on data within [0, 1]: [0, 1], what
   *       the decoder can reproduce;
   *   <li>otherwise each feature's observed range ({@link #observed}).
   * </ul>
   */
  public static InputDomain fit(AutoencoderSpec spec, Matrix data) {
    if (spec.family() == Family.MULTVAE) {
      return nonNegative(spec.inputDim());
    }
    if (spec.family() == Family.AUTOREC) {
      return observedShared(data);
    }
    if (unitByArchitecture(spec) && within(data, 0, 1)) {
      return unit(spec.inputDim());
    }
    return observed(data);
  }

  /**
   * The domain of a spec that records none (written before domains were recorded): [0, 1] for
   * bce or a sigmoid output without standardization, counts of at least 0 for multvae, otherwise
   * {@link #unbounded()}.
   */
  public static InputDomain derived(AutoencoderSpec spec) {
    if (spec.family() == Family.MULTVAE) {
      return nonNegative(spec.inputDim());
    }
    return unitByArchitecture(spec) ? unit(spec.inputDim()) : unbounded();
  }

  /** Features this domain bounds, or -1 when it bounds none (it then fits any width). */
  public int width() {
    return lower != null ? lower.length : upper != null ? upper.length : -1;
  }

  /**
   * One pass over {@code x}: per row, null when every value is inside, else why the first value
   * outside is, such as {@code column 12 is 5, outside the trained range [0, 1]}.
   *
   * @throws IllegalArgumentException when x's width is not the domain's (check the width first)
   */
  public String[] check(Matrix x) {
    int cols = x.cols();
    if (width() >= 0 && cols != width()) {
      throw new IllegalArgumentException("rows have " + cols + " values, the domain has " + width());
    }
    String[] reasons = new String[x.rows()];
    float[] d = x.data();
    for (int r = 0; r < x.rows(); r++) {
      for (int c = 0, i = r * cols; c < cols; c++, i++) {
        float v = d[i];
        boolean inside = Math.abs(v) <= MAX_ABS_VALUE // false for NaN and the infinities
            && (lower == null || v >= lower[c]) && (upper == null || v <= upper[c]);
        if (!inside) {
          reasons[r] = reason(c, v);
          break;
        }
      }
    }
    return reasons;
  }

  private String reason(int c, float v) {
    if (!Float.isFinite(v)) {
      return "column " + c + " is " + v + ", not a finite value";
    }
    boolean inBounds = (lower == null || v >= lower[c]) && (upper == null || v <= upper[c]);
    if (inBounds) {
      return "column " + c + " is " + format(v) + ", beyond the magnitude "
          + String.format(Locale.ROOT, "%.0e", (double) MAX_ABS_VALUE) + " any model takes";
    }
    return "column " + c + " is " + format(v) + ", outside the trained range ["
        + (lower == null ? "-inf" : format(lower[c])) + ", " + (upper == null ? "inf" : format(upper[c])) + "]";
  }

  /** Whole numbers without a trailing ".0", so messages read "[0, 1]". */
  private static String format(float v) {
    return v == Math.rint(v) && Math.abs(v) < 1e7 ? Long.toString((long) v) : Float.toString(v);
  }

  private static boolean unitByArchitecture(AutoencoderSpec spec) {
    return spec.loss().equals("bce") || spec.outputActivation().equals("sigmoid") && spec.standardization() == null;
  }

  private static boolean within(Matrix data, float lo, float hi) {
    for (float v : data.data()) {
      if (!(v >= lo && v <= hi)) {
        return false;
      }
    }
    return true;
  }

  private static void widen(float[] min, float[] max, int c, float lo, float hi) {
    double range = (double) hi - lo;
    double margin = range > 0 ? MARGIN * range
        : Math.max(CONSTANT_FEATURE_MARGIN, MARGIN * Math.abs((double) lo));
    // Rounding to float must not pull a bound back inside the observed value.
    // Clamped to float's range, so a huge training value cannot widen into an infinite bound.
    min[c] = Math.min(lo, (float) Math.max(-Float.MAX_VALUE, lo - margin));
    max[c] = Math.max(hi, (float) Math.min(Float.MAX_VALUE, hi + margin));
  }

  private static void requireRows(Matrix data) {
    if (data.rows() == 0) {
      throw new IllegalArgumentException("cannot observe a domain in no rows");
    }
  }

  // Arrays compare by content so that specs read back from JSON equal the ones written.
  @Override
  public boolean equals(Object o) {
    return o instanceof InputDomain d && Arrays.equals(d.lower, lower) && Arrays.equals(d.upper, upper);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(lower) + Arrays.hashCode(upper);
  }

  @Override
  public String toString() {
    return "InputDomain[" + (width() < 0 ? "unbounded" : width() + " features") + "]";
  }
}
