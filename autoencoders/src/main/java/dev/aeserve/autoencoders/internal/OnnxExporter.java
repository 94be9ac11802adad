package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.ImportArtifact;
import dev.aeserve.autoencoders.ImportManifest;
import dev.aeserve.autoencoders.InputDomain;
import dev.aeserve.autoencoders.UnsupportedExportException;
import dev.aeserve.autoencoders.WeightsArtifact;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a native version as an ONNX encoder and decoder plus the import manifest that describes
 * them, so a model trained in aeserve can leave it, and come back through an import as a version
 * that computes the same outputs. DJL cannot write ONNX, so the graphs are emitted here, layer by
 * layer, from the trained parameters: each dense layer is one Gemm (the weights as DJL stores them,
 * out x in, with transB) followed by its activation (Relu, Tanh, Sigmoid). A variational
 * encoder's last layer becomes two Gemms, the mean and the log-variance, the halves of the native
 * layer. A multvae's encoder begins with the L2 row normalization aeserve applies (ReduceL2, Max
 * with a tiny epsilon, Div), so the graph also stands alone; aeserve normalizing again on
 * re-import changes nothing. Standardization stays in the manifest, applied around the graphs as
 * for the native version.
 *
 * <p>Families with a condition input (cvae), convolution blocks (conv_ae) or no import
 * (autorec, ease) are refused with {@link UnsupportedExportException}, naming why.
 */
public final class OnnxExporter {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** F.normalize's epsilon: only an all-zero row reaches it, and it stays zero. */
  private static final float NORM_EPSILON = 1e-12f;

  private OnnxExporter() {}

  /** The ONNX pair and manifest of a native version, as one import artifact. */
  public static ImportArtifact export(AutoencoderSpec spec, WeightsArtifact weights) {
    requireExportable(spec);
    List<Layer> encoder;
    List<Layer> decoder;
    try (NDManager manager = Engines.engine(EngineKind.MXNET).newBaseManager()) {
      SequentialBlock enc = DenseBlocks.encoder(spec);
      SequentialBlock dec = DenseBlocks.decoder(spec);
      DenseBlocks.load(enc, weights.encoder(), "encoder", DenseBlocks.encoderWidths(spec), manager);
      DenseBlocks.load(dec, weights.decoder(), "decoder", DenseBlocks.decoderWidths(spec), manager);
      encoder = layers(enc);
      decoder = layers(dec);
    }
    boolean variational = spec.family().variational();
    ObjectNode m = JSON.createObjectNode();
    m.put("format", ImportManifest.ONNX);
    m.put("family", spec.family().id());
    m.put("inputDim", spec.inputDim());
    m.put("latentDim", spec.latentDim());
    ObjectNode e = m.putObject("encoder");
    e.put("input", "x");
    if (variational) {
      e.put("mean", "mean");
      e.put("logVariance", "log_variance");
    } else {
      e.put("output", "z");
    }
    ObjectNode d = m.putObject("decoder");
    d.put("input", "z");
    d.put("output", spec.family() == Family.MULTVAE ? "logits" : "x_hat");
    if (spec.family() == Family.MULTVAE) {
      m.set("itemIds", JSON.valueToTree(spec.itemIds()));
    } else {
      m.put("score", spec.loss());
      if (spec.standardization() != null) {
        m.set("standardization", JSON.valueToTree(spec.standardization()));
      }
      InputDomain domain = spec.domain();
      if (domain.width() >= 0) {
        m.set("inputDomain", JSON.valueToTree(domain));
      }
    }
    ImportManifest manifest = ImportManifest.fromJson(m.toString());
    return new ImportArtifact(manifest, encoderGraph(spec, encoder), decoderGraph(spec, decoder));
  }

  /** Throws {@link UnsupportedExportException} naming the family and why it cannot be exported. */
  public static void requireExportable(AutoencoderSpec spec) {
    String why = switch (spec.family()) {
      case AE, DAE, VAE, MULTVAE -> null;
      case CVAE -> "its encoder and decoder take a one-hot condition beside the rows, and imports serve no condition "
          + "input yet, so the export could not come back as the same version";
      case CONV_AE -> "its convolution and pooling blocks are not written by aeserve's ONNX writer (DJL cannot write "
          + "ONNX; aeserve emits the dense families' Gemm graphs only)";
      case AUTOREC, EASE -> "imports do not serve family '" + spec.family().id() + "', so the export could not come "
          + "back as the same version";
    };
    if (why != null) {
      throw new UnsupportedExportException("family '" + spec.family().id() + "' cannot be exported to ONNX: " + why
          + "; ae, dae, vae and multvae versions can");
    }
  }

  private static byte[] encoderGraph(AutoencoderSpec spec, List<Layer> layers) {
    OnnxModelWriter g = new OnnxModelWriter("aeserve_encoder").input("x", spec.inputDim());
    String h = "x";
    if (spec.family() == Family.MULTVAE) {
      g.initializer("norm_epsilon", new float[] {NORM_EPSILON}, 1);
      g.node("ReduceL2", List.of("x"), "row_norm", "axes", new long[] {1}, "keepdims", 1);
      g.node("Max", List.of("row_norm", "norm_epsilon"), "row_norm_eps");
      g.node("Div", List.of("x", "row_norm_eps"), "x_unit");
      h = "x_unit";
    }
    int last = layers.size() - 1;
    for (int i = 0; i < last; i++) {
      h = dense(g, "encoder_" + i, layers.get(i), h, spec.activation());
    }
    Layer out = layers.get(last);
    if (spec.family().variational()) {
      int latent = spec.latentDim();
      g.output("mean", latent).output("log_variance", latent);
      gemm(g, "encoder_mean", out.rows(0, latent), h, "mean");
      gemm(g, "encoder_log_variance", out.rows(latent, 2 * latent), h, "log_variance");
    } else {
      g.output("z", spec.latentDim());
      gemm(g, "encoder_" + last, out, h, "z");
    }
    return g.toBytes();
  }

  private static byte[] decoderGraph(AutoencoderSpec spec, List<Layer> layers) {
    String output = spec.family() == Family.MULTVAE ? "logits" : "x_hat";
    OnnxModelWriter g = new OnnxModelWriter("aeserve_decoder").input("z", spec.latentDim())
        .output(output, spec.inputDim());
    String h = "z";
    int last = layers.size() - 1;
    for (int i = 0; i < last; i++) {
      h = dense(g, "decoder_" + i, layers.get(i), h, spec.activation());
    }
    if (spec.outputActivation().equals("identity")) {
      gemm(g, "decoder_" + last, layers.get(last), h, output);
    } else {
      String pre = gemm(g, "decoder_" + last, layers.get(last), h, "decoder_" + last + "_linear");
      g.node(onnxActivation(spec.outputActivation()), List.of(pre), output);
    }
    return g.toBytes();
  }

  private static String dense(OnnxModelWriter g, String name, Layer layer, String in, String activation) {
    String linear = gemm(g, name, layer, in, name + "_linear");
    g.node(onnxActivation(activation), List.of(linear), name + "_out");
    return name + "_out";
  }

  private static String gemm(OnnxModelWriter g, String name, Layer layer, String in, String out) {
    g.initializer(name + "_weight", layer.weight, layer.out, layer.in);
    g.initializer(name + "_bias", layer.bias, layer.out);
    g.node("Gemm", List.of(in, name + "_weight", name + "_bias"), out, "transB", 1);
    return out;
  }

  private static String onnxActivation(String activation) {
    return switch (activation) {
      case "relu" -> "Relu";
      case "tanh" -> "Tanh";
      case "sigmoid" -> "Sigmoid";
      default -> throw new IllegalArgumentException("no ONNX operator for activation " + activation);
    };
  }

  private static List<Layer> layers(SequentialBlock block) {
    List<Layer> layers = new ArrayList<>();
    for (Block child : block.getChildren().values()) {
      if (child instanceof Linear linear) {
        float[] w = linear.getParameters().get("weight").getArray().toFloatArray();
        float[] b = linear.getParameters().get("bias").getArray().toFloatArray();
        layers.add(new Layer(w, b, b.length, w.length / b.length));
      }
    }
    return layers;
  }

  /** A dense layer as DJL stores it: weight out x in, row-major, and a bias of out. */
  private record Layer(float[] weight, float[] bias, int out, int in) {
    Layer rows(int from, int to) {
      return new Layer(Arrays.copyOfRange(weight, from * in, to * in), Arrays.copyOfRange(bias, from, to), to - from,
          in);
    }
  }
}
