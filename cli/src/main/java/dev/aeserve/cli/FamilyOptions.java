package dev.aeserve.cli;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.InvalidSpecException;
import dev.aeserve.autoencoders.Regularization;
import java.util.List;
import picocli.CommandLine.Option;

/** The architecture flags of {@code aeserve train}, and the spec they give for each family. */
final class FamilyOptions {

  private static final int ANNEAL_EPOCHS = AutoencoderSpec.MULTVAE_ANNEAL_EPOCHS;

  @Option(names = "--hidden", paramLabel = "W1,W2,...|none",
      description = "Encoder hidden layer widths, input side first; none for z straight from x (default: 128,64;"
          + " multvae 600).")
  String hiddenWidths;

  @Option(names = "--latent", description = "Latent size (default: 32; multvae 200).")
  Integer latent;

  @Option(names = "--loss", description = "mse or bce (default: bce when every value is in [0, 1], else mse).")
  String loss;

  @Option(names = "--beta", description = "vae, cvae, multvae: weight of the KL term (default 1; multvae 0.2).")
  Double beta;

  @Option(names = "--kl-anneal-steps", description = "vae, cvae, multvae: steps over which the KL weight rises to beta"
      + " (default 0; multvae: the steps of " + ANNEAL_EPOCHS + " epochs).")
  Integer klAnnealSteps;

  @Option(names = "--input-dropout", description = "multvae: dropout on the input in training (default 0.5).")
  Double inputDropout;

  @Option(names = "--noise-sigma", defaultValue = "0", description = "dae: gaussian noise of the training inputs (default 0.1"
      + " when no dae noise is given).")
  double noiseSigma;

  @Option(names = "--noise-mask", defaultValue = "0", description = "dae: probability of zeroing a training input value.")
  double noiseMask;

  @Option(names = "--noise-salt-pepper", defaultValue = "0", description = "dae: salt-and-pepper probability.")
  double noiseSaltPepper;

  @Option(names = "--input-shape", split = ",", paramLabel = "C,H,W",
      description = "conv_ae: image shape (default 1,28,28 for 784 columns, else 1,S,S for a square S*S).")
  List<Integer> inputShape;

  @Option(names = "--channels", split = ",", description = "conv_ae: channels of each conv + pool stage (default 8,16).")
  List<Integer> channels;

  @Option(names = "--sparsity-l1", defaultValue = "0", description = "ae, dae: L1 penalty weight on the code.")
  double sparsityL1;

  @Option(names = "--sparsity-kl", defaultValue = "0", description = "ae, dae: KL sparsity penalty weight on the code.")
  double sparsityKl;

  @Option(names = "--sparsity-target", defaultValue = "0.05", description = "ae, dae: target activation rate of --sparsity-kl"
      + " (default: ${DEFAULT-VALUE}).")
  double sparsityTarget;

  @Option(names = "--contractive", defaultValue = "0", description = "ae, dae: contractive penalty weight.")
  double contractive;

  /**
   * The spec for a reconstruction family (everything but the recommenders): sigmoid output when
   * every value lies in [0, 1], and then BCE unless {@code --loss} says otherwise.
   *
   * @param conditionLabels cvae's label names, else null
   */
  AutoencoderSpec spec(Family family, int inputDim, boolean unitRange, List<String> conditionLabels) {
    List<Integer> hidden = hidden("128,64");
    int latent = this.latent == null ? 32 : this.latent;
    String output = unitRange ? "sigmoid" : "identity";
    String chosenLoss = loss != null ? loss : unitRange ? "bce" : "mse";
    try {
      AutoencoderSpec spec = switch (family) {
        case AE -> AutoencoderSpec.dense(inputDim, hidden, latent, output, chosenLoss);
        case DAE -> AutoencoderSpec.dae(inputDim, hidden, latent, output, chosenLoss, noise(unitRange));
        case VAE -> AutoencoderSpec.vae(inputDim, hidden, latent, output, chosenLoss, beta == null ? 1.0 : beta);
        case CVAE -> {
          if (conditionLabels == null) {
            throw new CliException("cvae needs --labels FILE: a condition label per training row");
          }
          yield AutoencoderSpec.cvae(inputDim, hidden, latent, output, chosenLoss, beta == null ? 1.0 : beta,
              conditionLabels);
        }
        case CONV_AE -> AutoencoderSpec.conv(shape(inputDim), channels, hidden, latent, output, chosenLoss);
        default -> throw new IllegalStateException(family + " is a recommender");
      };
      if (klAnnealSteps != null) {
        spec = withAnneal(spec);
      }
      Regularization r = regularization();
      return r == null ? spec : spec.withRegularization(r);
    } catch (InvalidSpecException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  /**
   * The spec for autorec, multvae or ease over {@code itemIds}.
   *
   * @param stepsPerEpoch optimizer steps in one epoch, for multvae's default KL annealing
   */
  AutoencoderSpec recommenderSpec(Family family, List<String> itemIds, int stepsPerEpoch) {
    try {
      return switch (family) {
        case AUTOREC -> AutoencoderSpec.autorec(itemIds, hidden("128,64"), latent == null ? 32 : latent);
        case EASE -> {
          if (hiddenWidths != null || latent != null) {
            throw new CliException("ease has no --hidden or --latent: it learns one items x items matrix");
          }
          yield AutoencoderSpec.ease(itemIds, null);
        }
        default -> AutoencoderSpec.multvae(itemIds, hidden("600"),
            latent == null ? AutoencoderSpec.MULTVAE_LATENT : latent,
            beta == null ? 0.2 : beta, klAnnealSteps == null ? ANNEAL_EPOCHS * stepsPerEpoch : klAnnealSteps,
            inputDropout == null ? 0.5 : inputDropout);
      };
    } catch (InvalidSpecException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  private List<Integer> hidden(String defaults) {
    String s = (hiddenWidths == null ? defaults : hiddenWidths).trim();
    if (s.isEmpty() || s.equalsIgnoreCase("none")) {
      return List.of();
    }
    try {
      return java.util.Arrays.stream(s.split(",")).map(String::trim).map(Integer::valueOf).toList();
    } catch (NumberFormatException e) {
      throw new CliException("--hidden takes widths such as 128,64 (or none), got '" + hiddenWidths + "'");
    }
  }

  private Corruption noise(boolean unitRange) {
    if (noiseSigma == 0 && noiseMask == 0 && noiseSaltPepper == 0) {
      return null;
    }
    Corruption c = new Corruption(noiseSigma, noiseMask, noiseSaltPepper, null, null);
    return unitRange ? c.withClip(0, 1) : c;
  }

  private Regularization regularization() {
    if (sparsityL1 == 0 && sparsityKl == 0 && contractive == 0) {
      return null;
    }
    return new Regularization(sparsityL1, sparsityKl, sparsityKl > 0 ? sparsityTarget : 0, contractive);
  }

  private List<Integer> shape(int inputDim) {
    if (inputShape != null) {
      return inputShape;
    }
    int side = (int) Math.round(Math.sqrt(inputDim));
    if (side * side != inputDim) {
      throw new CliException("conv_ae needs --input-shape C,H,W: " + inputDim + " columns are not a square image");
    }
    return List.of(1, side, side);
  }

  private AutoencoderSpec withAnneal(AutoencoderSpec s) {
    return new AutoencoderSpec(s.family(), s.inputDim(), s.latentDim(), s.hiddenLayers(), s.activation(),
        s.outputActivation(), s.loss(), s.standardization(), s.inputShape(), s.convChannels(), s.beta(), klAnnealSteps,
        s.inputDropout(), s.conditionLabels(), s.noise(), s.regularization(), s.itemIds(), s.basis());
  }
}
