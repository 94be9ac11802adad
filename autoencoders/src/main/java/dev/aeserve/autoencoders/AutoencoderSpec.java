package dev.aeserve.autoencoders;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A version's architecture and I/O contract, stored as JSON on the version and immutable with it.
 *
 * <p>The decoder mirrors the encoder: hidden layers are listed from the input side, so
 * {@code inputDim=784, hiddenLayers=[128, 64], latentDim=32} means 784-128-64-32-64-128-784.
 *
 * @param family the model family, such as {@code ae}
 * @param inputDim number of features per input row
 * @param latentDim size of the latent code z
 * @param hiddenLayers widths of the encoder's hidden layers, input side first
 * @param activation hidden activation: relu, tanh or sigmoid
 * @param outputActivation decoder output: sigmoid (inputs in [0, 1]) or identity
 * @param loss reconstruction loss and anomaly score: mse or bce (bce needs a sigmoid output)
 * @param standardization optional per-feature means and scales applied before the encoder and
 *     undone after the decoder; null when the model takes raw inputs
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record AutoencoderSpec(
    Family family,
    int inputDim,
    int latentDim,
    List<Integer> hiddenLayers,
    String activation,
    String outputActivation,
    String loss,
    Standardization standardization) {

  private static final Set<String> ACTIVATIONS = Set.of("relu", "tanh", "sigmoid");
  private static final Set<String> OUTPUT_ACTIVATIONS = Set.of("sigmoid", "identity");
  private static final Set<String> LOSSES = Set.of("mse", "bce");
  /** Refuse absurd layer sizes before they become an out-of-memory on the engine. */
  static final int MAX_WIDTH = 1 << 16;

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public AutoencoderSpec {
    if (family == null) {
      throw new InvalidSpecException("spec has no family");
    }
    requireWidth("inputDim", inputDim);
    requireWidth("latentDim", latentDim);
    hiddenLayers = hiddenLayers == null ? List.of() : List.copyOf(hiddenLayers);
    for (int i = 0; i < hiddenLayers.size(); i++) {
      requireWidth("hiddenLayers[" + i + "]", hiddenLayers.get(i));
    }
    activation = oneOf("activation", activation == null ? "relu" : activation, ACTIVATIONS);
    outputActivation = oneOf("outputActivation", outputActivation == null ? "identity" : outputActivation,
        OUTPUT_ACTIVATIONS);
    loss = oneOf("loss", loss == null ? "mse" : loss, LOSSES);
    if (loss.equals("bce") && !outputActivation.equals("sigmoid")) {
      throw new InvalidSpecException("loss bce needs outputActivation sigmoid (outputs must be in (0, 1))");
    }
    if (standardization != null && standardization.means().length != inputDim) {
      throw new InvalidSpecException("standardization has " + standardization.means().length
          + " features, inputDim is " + inputDim);
    }
  }

  /** A dense autoencoder with ReLU hidden layers. */
  public static AutoencoderSpec dense(int inputDim, List<Integer> hiddenLayers, int latentDim,
      String outputActivation, String loss) {
    return new AutoencoderSpec(Family.AE, inputDim, latentDim, hiddenLayers, "relu", outputActivation, loss, null);
  }

  public AutoencoderSpec withStandardization(Standardization s) {
    return new AutoencoderSpec(family, inputDim, latentDim, hiddenLayers, activation, outputActivation, loss, s);
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("spec is not serializable", e);
    }
  }

  public static AutoencoderSpec fromJson(String json) {
    Objects.requireNonNull(json, "json");
    try {
      return JSON.readValue(json, AutoencoderSpec.class);
    } catch (JsonProcessingException e) {
      Throwable cause = e.getCause();
      if (cause instanceof InvalidSpecException ise) {
        throw ise;
      }
      throw new InvalidSpecException("spec is not valid JSON for an autoencoder: " + e.getOriginalMessage());
    }
  }

  private static void requireWidth(String field, int value) {
    if (value < 1 || value > MAX_WIDTH) {
      throw new InvalidSpecException(field + " must be in [1, " + MAX_WIDTH + "], got " + value);
    }
  }

  private static String oneOf(String field, String value, Set<String> allowed) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (!allowed.contains(v)) {
      throw new InvalidSpecException(field + " must be one of " + allowed + ", got '" + value + "'");
    }
    return v;
  }

  /** Per-feature affine preprocessing: the encoder sees (x - mean) / scale. */
  public record Standardization(float[] means, float[] scales) {
    public Standardization {
      Objects.requireNonNull(means, "means");
      Objects.requireNonNull(scales, "scales");
      if (means.length != scales.length) {
        throw new InvalidSpecException("standardization has " + means.length + " means and "
            + scales.length + " scales");
      }
      for (float s : scales) {
        if (!(s > 0) || !Float.isFinite(s)) {
          throw new InvalidSpecException("standardization scales must be finite and positive");
        }
      }
      for (float m : means) {
        if (!Float.isFinite(m)) {
          throw new InvalidSpecException("standardization means must be finite");
        }
      }
    }

    /**
     * Per-feature mean and standard deviation of {@code x}; a constant feature gets scale 1 so it
     * maps to 0 instead of dividing by zero.
     */
    public static Standardization fit(Matrix x) {
      if (x.rows() == 0) {
        throw new IllegalArgumentException("cannot fit a standardization to no rows");
      }
      int cols = x.cols();
      double[] sum = new double[cols];
      double[] sumSq = new double[cols];
      float[] d = x.data();
      for (int i = 0; i < d.length; i++) {
        sum[i % cols] += d[i];
        sumSq[i % cols] += (double) d[i] * d[i];
      }
      float[] means = new float[cols];
      float[] scales = new float[cols];
      for (int c = 0; c < cols; c++) {
        double mean = sum[c] / x.rows();
        double sd = Math.sqrt(Math.max(0, sumSq[c] / x.rows() - mean * mean));
        means[c] = (float) mean;
        scales[c] = sd > 1e-6 ? (float) sd : 1f;
      }
      return new Standardization(means, scales);
    }

    /** (x - mean) / scale of row-major data, into a new array. */
    public float[] apply(float[] data) {
      int cols = means.length;
      float[] out = new float[data.length];
      for (int i = 0; i < data.length; i++) {
        out[i] = (data[i] - means[i % cols]) / scales[i % cols];
      }
      return out;
    }

    /** y * scale + mean of row-major data, in place. */
    public void undoInPlace(float[] data) {
      int cols = means.length;
      for (int i = 0; i < data.length; i++) {
        data[i] = data[i] * scales[i % cols] + means[i % cols];
      }
    }

    // Arrays compare by content so that specs read back from JSON equal the ones written.
    @Override
    public boolean equals(Object o) {
      return o instanceof Standardization s && Arrays.equals(s.means, means) && Arrays.equals(s.scales, scales);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(means) + Arrays.hashCode(scales);
    }

    @Override
    public String toString() {
      return "Standardization[" + means.length + " features]";
    }
  }
}
