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
 * Fields after {@code standardization} belong to particular families; they are null (and absent
 * from the JSON) elsewhere, and a field set on a family it does not apply to is refused, so a
 * typo in the family cannot silently drop a setting. A spec written before these fields existed
 * parses unchanged.
 *
 * @param family the model family, such as {@code ae}
 * @param inputDim number of features per input row (for conv_ae channels * height * width; for
 *     recommenders the vocabulary size; 0 in JSON derives it from inputShape or itemIds)
 * @param latentDim size of the latent code z
 * @param hiddenLayers widths of the encoder's hidden dense layers, input side first (conv_ae: the
 *     dense layers between the flattened feature maps and z)
 * @param activation hidden activation: relu, tanh or sigmoid
 * @param outputActivation decoder output: sigmoid (inputs in [0, 1]) or identity
 * @param loss reconstruction loss and default anomaly score: mse or bce (bce needs a sigmoid
 *     output); multvae's is multinomial
 * @param standardization optional per-feature means and scales applied before the encoder and
 *     undone after the decoder; null when the model takes raw inputs
 * @param inputShape conv_ae: [channels, height, width] of each flattened image row
 * @param convChannels conv_ae: output channels of each 3x3 convolution + 2x2 max-pool stage,
 *     input side first (default [8, 16]); the decoder upsamples and convolves back
 * @param beta vae, cvae, multvae: weight of the KL term in training (default 1 for vae and cvae,
 *     0.2 for multvae)
 * @param klAnnealSteps vae, cvae, multvae: optimizer steps over which the KL weight rises
 *     linearly from 0 to beta (default 0: beta from the start)
 * @param inputDropout multvae: dropout rate on the (L2-normalized) input in training (default 0.5)
 * @param conditionLabels cvae: the condition labels, in index order
 * @param noise dae: how training inputs are corrupted (default gaussian sigma 0.1)
 * @param regularization ae, dae: sparsity and contractive penalties, training only
 * @param itemIds autorec, multvae: the item vocabulary, one external id per input column
 * @param basis autorec: {@code user} (rows are users over items). Item-based AutoRec is refused:
 *     its rows are items over a fixed user vocabulary, so it cannot score a user it was not
 *     trained on, which is what Recommend is for.
 * @param inputDomain the input values the version was trained on (recorded by training; absent
 *     in specs written before, see {@link #domain()}); its bounds have inputDim features
 * @param lambda ease: the L2 penalty of the item-item weights, chosen on validation users by
 *     training (Steck 2019); recorded, not used at serving time
 * @param anomalyScore the Reconstruct score a call gets when it names none, chosen by training as
 *     the one that best separates held-out normal rows from generated off-distribution rows
 *     (absent in specs written before: then the loss, or neg_elbo for multvae)
 * @param latentDensity a Gaussian fitted on the training rows' codes, which the
 *     {@link ScoreKind#MSE_MAHALANOBIS} score needs; recorded by training
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
    Standardization standardization,
    List<Integer> inputShape,
    List<Integer> convChannels,
    Double beta,
    Integer klAnnealSteps,
    Double inputDropout,
    List<String> conditionLabels,
    Corruption noise,
    Regularization regularization,
    List<String> itemIds,
    String basis,
    InputDomain inputDomain,
    Double lambda,
    String anomalyScore,
    LatentDensity latentDensity) {

  private static final Set<String> ACTIVATIONS = Set.of("relu", "tanh", "sigmoid");
  private static final Set<String> OUTPUT_ACTIVATIONS = Set.of("sigmoid", "identity");
  private static final Set<String> LOSSES = Set.of("mse", "bce");
  /** Refuse absurd layer sizes before they become an out-of-memory on the engine. */
  static final int MAX_WIDTH = 1 << 16;
  static final int MAX_CONV_CHANNELS = 1024;
  /** An ease version holds items^2 floats: 10,000 items are 400 MB. */
  public static final int MAX_EASE_ITEMS = 10_000;

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public AutoencoderSpec {
    if (family == null) {
      throw new InvalidSpecException("spec has no family");
    }
    if (family == Family.CONV_AE && (inputShape == null || inputShape.size() != 3)) {
      throw new InvalidSpecException("conv_ae needs inputShape [channels, height, width], got " + inputShape);
    }
    if (inputDim == 0 && family == Family.CONV_AE) {
      inputDim = (int) Math.min(Integer.MAX_VALUE, (long) inputShape.get(0) * inputShape.get(1) * inputShape.get(2));
    }
    if (inputDim == 0 && family.recommender() && itemIds != null) {
      inputDim = itemIds.size();
    }
    if (family == Family.EASE) {
      // EASE's code is the user's item vector itself: the item-item weights map it to scores.
      if (latentDim == 0) {
        latentDim = inputDim;
      }
      if (latentDim != inputDim) {
        throw new InvalidSpecException("ease encodes a user as their item vector: latentDim must equal inputDim ("
            + inputDim + "), got " + latentDim);
      }
      if (hiddenLayers != null && !hiddenLayers.isEmpty()) {
        throw new InvalidSpecException("ease has no hidden layers (one item-item weight matrix), got " + hiddenLayers);
      }
      if (inputDim > MAX_EASE_ITEMS) {
        throw new InvalidSpecException("ease stores an items x items matrix: at most " + MAX_EASE_ITEMS
            + " items, got " + inputDim + "; raise --min-users to shrink the vocabulary, or use multvae");
      }
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
    if (family == Family.MULTVAE) {
      if (loss != null && !loss.trim().equalsIgnoreCase("multinomial")) {
        throw new InvalidSpecException("multvae's loss is multinomial (softmax likelihood), got '" + loss + "'");
      }
      loss = "multinomial";
      if (!outputActivation.equals("identity")) {
        throw new InvalidSpecException("multvae's decoder outputs logits: outputActivation must be identity");
      }
    } else {
      loss = oneOf("loss", loss == null ? "mse" : loss, LOSSES);
    }
    if (loss.equals("bce") && !outputActivation.equals("sigmoid")) {
      throw new InvalidSpecException("loss bce needs outputActivation sigmoid (outputs must be in (0, 1))");
    }
    if (standardization != null && standardization.means().length != inputDim) {
      throw new InvalidSpecException("standardization has " + standardization.means().length
          + " features, inputDim is " + inputDim);
    }

    // Image shape (conv_ae).
    onlyFor("inputShape", inputShape, family, Family.CONV_AE);
    onlyFor("convChannels", convChannels, family, Family.CONV_AE);
    if (family == Family.CONV_AE) {
      if (inputShape == null || inputShape.size() != 3) {
        throw new InvalidSpecException("conv_ae needs inputShape [channels, height, width], got " + inputShape);
      }
      inputShape = List.copyOf(inputShape);
      for (int i = 0; i < 3; i++) {
        requireWidth("inputShape[" + i + "]", inputShape.get(i));
      }
      long pixels = (long) inputShape.get(0) * inputShape.get(1) * inputShape.get(2);
      if (pixels != inputDim) {
        throw new InvalidSpecException("inputShape " + inputShape + " has " + pixels + " values, inputDim is "
            + inputDim);
      }
      convChannels = List.copyOf(convChannels == null ? List.of(8, 16) : convChannels);
      if (convChannels.isEmpty()) {
        throw new InvalidSpecException("convChannels needs at least one stage");
      }
      for (int i = 0; i < convChannels.size(); i++) {
        int c = convChannels.get(i);
        if (c < 1 || c > MAX_CONV_CHANNELS) {
          throw new InvalidSpecException("convChannels[" + i + "] must be in [1, " + MAX_CONV_CHANNELS + "], got " + c);
        }
      }
      int minSide = 1 << convChannels.size();
      if (inputShape.get(1) < minSide || inputShape.get(2) < minSide) {
        throw new InvalidSpecException(convChannels.size() + " pooling stages halve the image " + convChannels.size()
            + " times: height and width must be at least " + minSide + ", inputShape is " + inputShape);
      }
    }

    // Variational families.
    onlyFor("beta", beta, family, Family.VAE, Family.CVAE, Family.MULTVAE);
    onlyFor("klAnnealSteps", klAnnealSteps, family, Family.VAE, Family.CVAE, Family.MULTVAE);
    onlyFor("inputDropout", inputDropout, family, Family.MULTVAE);
    if (family.variational()) {
      beta = beta == null ? (family == Family.MULTVAE ? 0.2 : 1.0) : beta;
      if (!(beta >= 0) || !Double.isFinite(beta)) {
        throw new InvalidSpecException("beta must be finite and >= 0, got " + beta);
      }
      klAnnealSteps = klAnnealSteps == null ? 0 : klAnnealSteps;
      if (klAnnealSteps < 0) {
        throw new InvalidSpecException("klAnnealSteps must be >= 0, got " + klAnnealSteps);
      }
    }
    if (family == Family.MULTVAE) {
      inputDropout = inputDropout == null ? 0.5 : inputDropout;
      if (!(inputDropout >= 0 && inputDropout < 1)) {
        throw new InvalidSpecException("inputDropout must be in [0, 1), got " + inputDropout);
      }
    }

    // Conditions (cvae).
    onlyFor("conditionLabels", conditionLabels, family, Family.CVAE);
    if (family == Family.CVAE) {
      conditionLabels = uniqueNames("conditionLabels", conditionLabels, "cvae needs conditionLabels, such as [\"0\", \"1\"]");
    }

    // Denoising and regularizers.
    onlyFor("noise", noise, family, Family.DAE);
    onlyFor("regularization", regularization, family, Family.AE, Family.DAE);
    if (family == Family.DAE) {
      noise = noise == null ? Corruption.gaussian(0.1) : noise;
      if (noise.gaussianSigma() == 0 && noise.maskProbability() == 0 && noise.saltPepperProbability() == 0) {
        throw new InvalidSpecException("dae noise must corrupt: set gaussianSigma, maskProbability or saltPepperProbability");
      }
    }

    // Recommenders.
    onlyFor("itemIds", itemIds, family, Family.AUTOREC, Family.MULTVAE, Family.EASE);
    onlyFor("lambda", lambda, family, Family.EASE);
    if (lambda != null && !(lambda > 0 && Double.isFinite(lambda))) {
      throw new InvalidSpecException("lambda must be finite and positive, got " + lambda);
    }
    if (family == Family.EASE && !outputActivation.equals("identity")) {
      throw new InvalidSpecException("ease's item-item weights output scores: outputActivation must be identity");
    }
    onlyFor("basis", basis, family, Family.AUTOREC);
    if (family.recommender()) {
      itemIds = uniqueNames("itemIds", itemIds, family.id() + " needs itemIds, the item vocabulary");
      if (itemIds.size() != inputDim) {
        throw new InvalidSpecException("itemIds has " + itemIds.size() + " items, inputDim is " + inputDim);
      }
      if (standardization != null) {
        throw new InvalidSpecException(family.id() + " takes interaction vectors as they are: drop the standardization");
      }
    }
    if (family == Family.AUTOREC) {
      basis = basis == null ? "user" : basis.trim().toLowerCase(Locale.ROOT);
      if (basis.equals("item")) {
        throw new InvalidSpecException("item-based AutoRec is not supported: its rows are items over the training "
            + "users, so it cannot score a user it was not trained on; use basis user");
      }
      if (!basis.equals("user")) {
        throw new InvalidSpecException("basis must be user, got '" + basis + "'");
      }
      if (!loss.equals("mse")) {
        throw new InvalidSpecException("autorec predicts explicit ratings: loss must be mse");
      }
    }
    if (inputDomain != null && inputDomain.width() >= 0 && inputDomain.width() != inputDim) {
      throw new InvalidSpecException("inputDomain has " + inputDomain.width() + " features, inputDim is " + inputDim);
    }
    if (latentDensity != null && latentDensity.mean().length != latentDim) {
      throw new InvalidSpecException("latentDensity has " + latentDensity.mean().length + " dimensions, latentDim is "
          + latentDim);
    }
    if (anomalyScore != null) {
      ScoreKind chosen;
      try {
        chosen = ScoreKind.fromId(anomalyScore);
      } catch (InvalidInputException e) {
        throw new InvalidSpecException("anomalyScore: " + e.getMessage());
      }
      anomalyScore = chosen.id();
      if (!scorable(chosen, family, latentDensity)) {
        throw new InvalidSpecException("anomalyScore " + anomalyScore + " cannot score family '" + family.id() + "'"
            + (chosen == ScoreKind.MSE_MAHALANOBIS ? " without a latentDensity" : ""));
      }
    }
  }

  /** The form before the training-chosen anomaly score, the latent density and ease's lambda. */
  public AutoencoderSpec(Family family, int inputDim, int latentDim, List<Integer> hiddenLayers, String activation,
      String outputActivation, String loss, Standardization standardization, List<Integer> inputShape,
      List<Integer> convChannels, Double beta, Integer klAnnealSteps, Double inputDropout, List<String> conditionLabels,
      Corruption noise, Regularization regularization, List<String> itemIds, String basis, InputDomain inputDomain) {
    this(family, inputDim, latentDim, hiddenLayers, activation, outputActivation, loss, standardization, inputShape,
        convChannels, beta, klAnnealSteps, inputDropout, conditionLabels, noise, regularization, itemIds, basis,
        inputDomain, null, null, null);
  }

  /** The form before the input domain was recorded. */
  public AutoencoderSpec(Family family, int inputDim, int latentDim, List<Integer> hiddenLayers, String activation,
      String outputActivation, String loss, Standardization standardization, List<Integer> inputShape,
      List<Integer> convChannels, Double beta, Integer klAnnealSteps, Double inputDropout, List<String> conditionLabels,
      Corruption noise, Regularization regularization, List<String> itemIds, String basis) {
    this(family, inputDim, latentDim, hiddenLayers, activation, outputActivation, loss, standardization, inputShape,
        convChannels, beta, klAnnealSteps, inputDropout, conditionLabels, noise, regularization, itemIds, basis, null);
  }

  /** The eight-field form every family had before family-specific fields existed. */
  public AutoencoderSpec(Family family, int inputDim, int latentDim, List<Integer> hiddenLayers, String activation,
      String outputActivation, String loss, Standardization standardization) {
    this(family, inputDim, latentDim, hiddenLayers, activation, outputActivation, loss, standardization,
        null, null, null, null, null, null, null, null, null, null);
  }

  /** A dense autoencoder with ReLU hidden layers. */
  public static AutoencoderSpec dense(int inputDim, List<Integer> hiddenLayers, int latentDim,
      String outputActivation, String loss) {
    return new AutoencoderSpec(Family.AE, inputDim, latentDim, hiddenLayers, "relu", outputActivation, loss, null);
  }

  /** A beta-VAE with ReLU hidden layers. */
  public static AutoencoderSpec vae(int inputDim, List<Integer> hiddenLayers, int latentDim, String outputActivation,
      String loss, double beta) {
    return new AutoencoderSpec(Family.VAE, inputDim, latentDim, hiddenLayers, "relu", outputActivation, loss, null,
        null, null, beta, null, null, null, null, null, null, null);
  }

  /** A conditional VAE over the given labels, with ReLU hidden layers. */
  public static AutoencoderSpec cvae(int inputDim, List<Integer> hiddenLayers, int latentDim, String outputActivation,
      String loss, double beta, List<String> conditionLabels) {
    return new AutoencoderSpec(Family.CVAE, inputDim, latentDim, hiddenLayers, "relu", outputActivation, loss, null,
        null, null, beta, null, null, conditionLabels, null, null, null, null);
  }

  /** A denoising autoencoder trained on inputs corrupted by {@code noise}. */
  public static AutoencoderSpec dae(int inputDim, List<Integer> hiddenLayers, int latentDim, String outputActivation,
      String loss, Corruption noise) {
    return new AutoencoderSpec(Family.DAE, inputDim, latentDim, hiddenLayers, "relu", outputActivation, loss, null,
        null, null, null, null, null, null, noise, null, null, null);
  }

  /** A convolutional autoencoder over images of {@code inputShape} = [channels, height, width]. */
  public static AutoencoderSpec conv(List<Integer> inputShape, List<Integer> convChannels, List<Integer> hiddenLayers,
      int latentDim, String outputActivation, String loss) {
    return new AutoencoderSpec(Family.CONV_AE, 0, latentDim, hiddenLayers, "relu", outputActivation, loss, null,
        inputShape, convChannels, null, null, null, null, null, null, null, null);
  }

  /** User-based AutoRec over {@code itemIds}: sigmoid hidden layers, identity output, masked mse. */
  public static AutoencoderSpec autorec(List<String> itemIds, List<Integer> hiddenLayers, int latentDim) {
    return new AutoencoderSpec(Family.AUTOREC, 0, latentDim, hiddenLayers, "sigmoid", "identity", "mse", null,
        null, null, null, null, null, null, null, null, itemIds, null);
  }

  /** Mult-VAE's paper architecture (Liang et al. 2018): one hidden layer of 600 and a 200-wide code. */
  public static final List<Integer> MULTVAE_HIDDEN = List.of(600);
  public static final int MULTVAE_LATENT = 200;
  /** Multvae's default KL annealing reaches beta after this many epochs' optimizer steps. */
  public static final int MULTVAE_ANNEAL_EPOCHS = 20;

  /**
   * Mult-VAE with the defaults it is trained with here: the paper's 600-200 architecture, beta 0.2
   * reached by annealing over {@value #MULTVAE_ANNEAL_EPOCHS} epochs, input dropout 0.5.
   *
   * @param stepsPerEpoch optimizer steps in one epoch (training rows / batch size, rounded up)
   */
  public static AutoencoderSpec multvae(List<String> itemIds, int stepsPerEpoch) {
    return multvae(itemIds, MULTVAE_HIDDEN, MULTVAE_LATENT, 0.2, MULTVAE_ANNEAL_EPOCHS * Math.max(1, stepsPerEpoch),
        0.5);
  }

  /** Mult-VAE over {@code itemIds}: tanh hidden layers as in the paper. */
  public static AutoencoderSpec multvae(List<String> itemIds, List<Integer> hiddenLayers, int latentDim, double beta,
      int klAnnealSteps, double inputDropout) {
    return new AutoencoderSpec(Family.MULTVAE, 0, latentDim, hiddenLayers, "tanh", "identity", null, null,
        null, null, beta, klAnnealSteps, inputDropout, null, null, null, itemIds, null);
  }

  public AutoencoderSpec withStandardization(Standardization s) {
    return new AutoencoderSpec(family, inputDim, latentDim, hiddenLayers, activation, outputActivation, loss, s,
        inputShape, convChannels, beta, klAnnealSteps, inputDropout, conditionLabels, noise, regularization, itemIds,
        basis, inputDomain, lambda, anomalyScore, latentDensity);
  }

  public AutoencoderSpec withRegularization(Regularization r) {
    return new AutoencoderSpec(family, inputDim, latentDim, hiddenLayers, activation, outputActivation, loss,
        standardization, inputShape, convChannels, beta, klAnnealSteps, inputDropout, conditionLabels, noise, r, itemIds,
        basis, inputDomain, lambda, anomalyScore, latentDensity);
  }

  public AutoencoderSpec withActivation(String a) {
    return new AutoencoderSpec(family, inputDim, latentDim, hiddenLayers, a, outputActivation, loss,
        standardization, inputShape, convChannels, beta, klAnnealSteps, inputDropout, conditionLabels, noise,
        regularization, itemIds, basis, inputDomain, lambda, anomalyScore, latentDensity);
  }

  /** The same spec recording {@code d} as the domain it was trained on. */
  public AutoencoderSpec withInputDomain(InputDomain d) {
    return new AutoencoderSpec(family, inputDim, latentDim, hiddenLayers, activation, outputActivation, loss,
        standardization, inputShape, convChannels, beta, klAnnealSteps, inputDropout, conditionLabels, noise,
        regularization, itemIds, basis, d, lambda, anomalyScore, latentDensity);
  }

  /** The same spec with Reconstruct's default score and the latent density it may need. */
  public AutoencoderSpec withAnomalyScore(ScoreKind kind, LatentDensity density) {
    return new AutoencoderSpec(family, inputDim, latentDim, hiddenLayers, activation, outputActivation, loss,
        standardization, inputShape, convChannels, beta, klAnnealSteps, inputDropout, conditionLabels, noise,
        regularization, itemIds, basis, inputDomain, lambda, kind.id(), density);
  }

  /** An ease spec over {@code itemIds} with the penalty training chose. */
  public static AutoencoderSpec ease(List<String> itemIds, Double lambda) {
    return new AutoencoderSpec(Family.EASE, 0, 0, List.of(), "relu", "identity", "mse", null, null, null, null, null,
        null, null, null, null, itemIds, null, null, lambda, null, null);
  }

  /** The same ease spec with its chosen penalty. */
  public AutoencoderSpec withLambda(double l) {
    return new AutoencoderSpec(family, inputDim, latentDim, hiddenLayers, activation, outputActivation, loss,
        standardization, inputShape, convChannels, beta, klAnnealSteps, inputDropout, conditionLabels, noise,
        regularization, itemIds, basis, inputDomain, l, anomalyScore, latentDensity);
  }

  /**
   * The domain to check inputs against: the recorded {@link #inputDomain()}, or for a spec
   * without one, {@link InputDomain#derived} from its architecture.
   */
  public InputDomain domain() {
    return inputDomain != null ? inputDomain : InputDomain.derived(this);
  }

  /** Number of condition labels (cvae), else 0. */
  public int conditionCount() {
    return conditionLabels == null ? 0 : conditionLabels.size();
  }

  /** Width of the encoder's output: latentDim, or twice it (mean and log-variance) when variational. */
  public int encoderOutputDim() {
    return family.variational() ? 2 * latentDim : latentDim;
  }

  /**
   * The score Reconstruct gives when the caller names none: the {@link #anomalyScore} training
   * chose, else (specs written before) neg_elbo for multvae and the loss for the others.
   */
  public ScoreKind defaultScoreKind() {
    if (anomalyScore != null) {
      return ScoreKind.fromId(anomalyScore);
    }
    return family == Family.MULTVAE ? ScoreKind.NEG_ELBO : ScoreKind.fromId(loss);
  }

  /**
   * Whether Reconstruct can score this spec with {@code kind}: neg_elbo needs a variational
   * family, and autorec scores observed ratings with mse only.
   */
  public boolean canScore(ScoreKind kind) {
    return scorable(kind, family, latentDensity);
  }

  private static boolean scorable(ScoreKind kind, Family family, LatentDensity density) {
    return switch (kind) {
      case MSE -> true;
      case BCE -> family != Family.AUTOREC;
      case NEG_ELBO -> family.variational();
      case MSE_MAHALANOBIS -> density != null;
    };
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
      AutoencoderSpec spec = JSON.readValue(json, AutoencoderSpec.class);
      if (spec == null) {
        // Jackson reads the JSON literal null (and empty text) as no object at all.
        throw new InvalidSpecException("spec must be a JSON object describing the model, found JSON null or nothing");
      }
      return spec;
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

  private static void onlyFor(String field, Object value, Family family, Family... allowed) {
    if (value == null) {
      return;
    }
    for (Family f : allowed) {
      if (f == family) {
        return;
      }
    }
    StringBuilder names = new StringBuilder();
    for (Family f : allowed) {
      names.append(names.length() == 0 ? "" : ", ").append(f.id());
    }
    throw new InvalidSpecException(field + " applies to " + names + ", not to family '" + family.id() + "'");
  }

  private static List<String> uniqueNames(String field, List<String> names, String missing) {
    if (names == null || names.isEmpty()) {
      throw new InvalidSpecException(missing);
    }
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (n == null || n.isBlank()) {
        throw new InvalidSpecException(field + "[" + i + "] is blank");
      }
      if (!seen.add(n)) {
        throw new InvalidSpecException(field + " lists '" + n + "' twice");
      }
    }
    return List.copyOf(names);
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
