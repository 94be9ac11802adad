package dev.aeserve.autoencoders.internal;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.IncompatibleWeightsException;
import dev.aeserve.autoencoders.WeightsArtifact;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a dense spec into DJL blocks and moves their parameters in and out of a
 * {@link WeightsArtifact}.
 *
 * <p>Encoder: Linear + activation per hidden layer, then Linear to latentDim with no activation
 * on z. Decoder: the mirror, then Linear to inputDim and the output activation. Standardization
 * is not part of the blocks: it is applied around them, so the artifact holds only learned
 * parameters.
 */
public final class DenseBlocks {
  private DenseBlocks() {}

  /**
   * Layer widths from input to latent, such as [784, 128, 64, 32]. A cvae's input carries the
   * one-hot condition after the features; a variational encoder ends in mean and log-variance,
   * twice latentDim wide.
   */
  public static int[] encoderWidths(AutoencoderSpec spec) {
    List<Integer> hidden = spec.hiddenLayers();
    int[] widths = new int[hidden.size() + 2];
    widths[0] = spec.inputDim() + spec.conditionCount();
    for (int i = 0; i < hidden.size(); i++) {
      widths[i + 1] = hidden.get(i);
    }
    widths[widths.length - 1] = spec.encoderOutputDim();
    return widths;
  }

  /** Layer widths from latent (plus a cvae's one-hot condition) to output, hidden layers mirrored. */
  public static int[] decoderWidths(AutoencoderSpec spec) {
    List<Integer> hidden = spec.hiddenLayers();
    int[] widths = new int[hidden.size() + 2];
    widths[0] = spec.latentDim() + spec.conditionCount();
    for (int i = 0; i < hidden.size(); i++) {
      widths[i + 1] = hidden.get(hidden.size() - 1 - i);
    }
    widths[widths.length - 1] = spec.inputDim();
    return widths;
  }

  public static SequentialBlock encoder(AutoencoderSpec spec) {
    return stack(encoderWidths(spec), spec.activation(), "identity");
  }

  public static SequentialBlock decoder(AutoencoderSpec spec) {
    return stack(decoderWidths(spec), spec.activation(), spec.outputActivation());
  }

  private static SequentialBlock stack(int[] widths, String hiddenActivation, String lastActivation) {
    SequentialBlock block = new SequentialBlock();
    for (int i = 1; i < widths.length; i++) {
      block.add(Linear.builder().setUnits(widths[i]).optBias(true).build());
      String activation = i < widths.length - 1 ? hiddenActivation : lastActivation;
      if (!activation.equals("identity")) {
        block.add(activation(activation));
      }
    }
    return block;
  }

  static Block activation(String name) {
    return switch (name) {
      case "relu" -> Activation.reluBlock();
      case "tanh" -> Activation.tanhBlock();
      case "sigmoid" -> Activation.sigmoidBlock();
      default -> throw new IllegalArgumentException("no activation block for " + name);
    };
  }

  /** Writes the parameters of both blocks as an artifact. */
  public static WeightsArtifact save(Block encoder, Block decoder) {
    return new WeightsArtifact(save(encoder), save(decoder));
  }

  static byte[] save(Block block) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      block.saveParameters(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Loads one artifact section into a freshly built block and checks every parameter's shape
   * against the spec. DJL's loader replaces a parameter with whatever array the file holds, so
   * without this check a 784x64 layer would load into a spec that wants 784x128 and fail only
   * at the first call, or not at all. Activation blocks hold no parameters but do leave a few
   * bytes each, so a missing or extra activation shows as a short or long section; which hidden
   * activation (relu, tanh, sigmoid) was trained is not recorded and cannot be checked.
   *
   * @param section "encoder" or "decoder", for messages
   * @param widths the widths the spec wants, from {@link #encoderWidths} or {@link #decoderWidths}
   */
  public static void load(SequentialBlock block, byte[] bytes, String section, int[] widths, NDManager manager) {
    List<Linear> layers = linearLayers(block);
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      block.loadParameters(FencedManager.around(manager), in);
      requireShapes(layers, section, widths);
      if (in.available() > 0) {
        throw new IncompatibleWeightsException(section + " section has " + in.available()
            + " bytes left after the spec's " + layers.size() + " layers: the artifact has more blocks than the spec"
            + " (an extra layer, or an output activation the spec does not have)");
      }
    } catch (IncompatibleWeightsException e) {
      throw e;
    } catch (EOFException e) {
      requireShapesOfLoaded(layers, section, widths);
      throw new IncompatibleWeightsException(section + " section ends before the spec's " + layers.size()
          + " layers are read: the artifact has fewer blocks than the spec"
          + " (a missing layer, or no output activation where the spec has one)", e);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      // A failure half way may still have loaded the layers before it; their shapes say more.
      requireShapesOfLoaded(layers, section, widths);
      throw new IncompatibleWeightsException(section + " section is not DJL parameters for this spec: "
          + e.getMessage(), e);
    }
  }

  private static List<Linear> linearLayers(SequentialBlock block) {
    List<Linear> layers = new ArrayList<>();
    for (Block child : block.getChildren().values()) {
      if (child instanceof Linear linear) {
        layers.add(linear);
      }
    }
    return layers;
  }

  private static void requireShapes(List<Linear> layers, String section, int[] widths) {
    for (int i = 0; i < layers.size(); i++) {
      requireShape(layers.get(i), i, section, widths, false);
    }
  }

  private static void requireShapesOfLoaded(List<Linear> layers, String section, int[] widths) {
    for (int i = 0; i < layers.size(); i++) {
      requireShape(layers.get(i), i, section, widths, true);
    }
  }

  private static void requireShape(Linear layer, int index, String section, int[] widths, boolean onlyLoaded) {
    int in = widths[index];
    int out = widths[index + 1];
    // DJL stores a Linear weight as (out, in); messages speak in x out, as the spec reads.
    check(layer.getParameters().get("weight"), new Shape(out, in), section + " layer " + index + " weight",
        onlyLoaded, true);
    check(layer.getParameters().get("bias"), new Shape(out), section + " layer " + index + " bias",
        onlyLoaded, false);
  }

  private static void check(Parameter p, Shape wanted, String what, boolean onlyLoaded, boolean matrix) {
    if (p == null || !p.isInitialized()) {
      if (onlyLoaded) {
        return;
      }
      throw new IncompatibleWeightsException(what + " is missing from the artifact");
    }
    Shape actual = p.getArray().getShape();
    if (!actual.equals(wanted)) {
      throw new IncompatibleWeightsException(what + " is " + describe(actual, matrix)
          + " in the artifact, spec wants " + describe(wanted, matrix));
    }
  }

  private static String describe(Shape shape, boolean matrix) {
    if (matrix && shape.dimension() == 2) {
      return shape.get(1) + "x" + shape.get(0);
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < shape.dimension(); i++) {
      s.append(i == 0 ? "" : "x").append(shape.get(i));
    }
    return s.length() == 0 ? "a scalar" : s.toString();
  }
}
