package dev.aeserve.autoencoders;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.aeserve.autoencoders.internal.StandardNormal;
import java.util.Objects;

/**
 * Noise applied to input rows: how a {@code dae} spec corrupts its training inputs, and the
 * optional server-side corruption of a Denoise call.
 *
 * <p>Applied per element in this order: masking (the value becomes 0 with probability
 * {@code maskProbability}), salt-and-pepper (with probability {@code saltPepperProbability} the
 * value becomes the range's low or high end, each half the time; the range is the clip range,
 * or [0, 1] without one), additive gaussian noise of standard deviation {@code gaussianSigma},
 * then clipping to [{@code clipMin}, {@code clipMax}] where given.
 *
 * @param gaussianSigma standard deviation of additive noise, 0 for none
 * @param maskProbability probability of zeroing an element, in [0, 1)
 * @param saltPepperProbability probability of setting an element to the low or high end, in [0, 1)
 * @param clipMin lower clip bound, or null
 * @param clipMax upper clip bound, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Corruption(double gaussianSigma, double maskProbability, double saltPepperProbability, Double clipMin,
    Double clipMax) {

  public Corruption {
    if (!(gaussianSigma >= 0) || !Double.isFinite(gaussianSigma)) {
      throw new InvalidSpecException("gaussianSigma must be finite and >= 0, got " + gaussianSigma);
    }
    requireProbability("maskProbability", maskProbability);
    requireProbability("saltPepperProbability", saltPepperProbability);
    if (clipMin != null && !Double.isFinite(clipMin) || clipMax != null && !Double.isFinite(clipMax)) {
      throw new InvalidSpecException("clip bounds must be finite");
    }
    if (clipMin != null && clipMax != null && clipMin > clipMax) {
      throw new InvalidSpecException("clipMin " + clipMin + " is above clipMax " + clipMax);
    }
  }

  public static Corruption gaussian(double sigma) {
    return new Corruption(sigma, 0, 0, null, null);
  }

  public static Corruption masking(double p) {
    return new Corruption(0, p, 0, null, null);
  }

  public static Corruption saltAndPepper(double p) {
    return new Corruption(0, 0, p, null, null);
  }

  public Corruption withClip(double min, double max) {
    return new Corruption(gaussianSigma, maskProbability, saltPepperProbability, min, max);
  }

  /** Whether applying it can change anything. */
  public boolean isNoOp() {
    return gaussianSigma == 0 && maskProbability == 0 && saltPepperProbability == 0 && clipMin == null
        && clipMax == null;
  }

  /**
   * A corrupted copy of {@code x}. The same seed and rows give the same bytes: one seeded stream
   * is read in row-major order, one draw per active component per element.
   */
  public Matrix apply(Matrix x, long seed) {
    Objects.requireNonNull(x, "x");
    StandardNormal random = new StandardNormal(seed);
    float low = clipMin == null ? 0f : clipMin.floatValue();
    float high = clipMax == null ? 1f : clipMax.floatValue();
    float[] in = x.data();
    float[] out = new float[in.length];
    for (int i = 0; i < in.length; i++) {
      double v = in[i];
      if (maskProbability > 0 && random.uniform() < maskProbability) {
        v = 0;
      }
      if (saltPepperProbability > 0) {
        double u = random.uniform();
        if (u < saltPepperProbability) {
          v = u < saltPepperProbability / 2 ? low : high;
        }
      }
      if (gaussianSigma > 0) {
        v += gaussianSigma * random.next();
      }
      if (clipMin != null) {
        v = Math.max(clipMin, v);
      }
      if (clipMax != null) {
        v = Math.min(clipMax, v);
      }
      out[i] = (float) v;
    }
    return new Matrix(x.rows(), x.cols(), out);
  }

  private static void requireProbability(String field, double p) {
    if (!(p >= 0 && p < 1)) {
      throw new InvalidSpecException(field + " must be in [0, 1), got " + p);
    }
  }
}
