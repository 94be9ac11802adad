package dev.aeserve.autoencoders.internal;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.onnxruntime.engine.OrtNDManager;
import ai.djl.onnxruntime.engine.OrtSymbolBlock;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.ImportArtifact;
import dev.aeserve.autoencoders.ImportManifest;
import dev.aeserve.autoencoders.IncompatibleWeightsException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An imported ONNX encoder and decoder on ONNX Runtime through DJL, mapped onto the seam by the
 * manifest's tensor names. Loading checks the graphs against the manifest before anything runs:
 * one float32 input each with the manifest's name, a dynamic batch axis, the manifest's widths, and
 * an encoder and decoder that agree on the latent size; the first problem is named.
 *
 * <p>Each session runs with one intra-op thread: the server's compute pool already runs one call
 * per core, and a per-session pool for every loaded version would multiply threads by versions.
 * ONNX Runtime sessions are safe for concurrent runs; each call allocates in its own sub-manager.
 * ONNX Runtime computes on the CPU here (the published package has no GPU provider).
 */
final class OnnxGraphs implements EncoderDecoder {
  private final ImportManifest manifest;
  private final OrtNDManager manager;
  private final OrtSymbolBlock encoder;
  private final OrtSymbolBlock decoder;

  private OnnxGraphs(ImportManifest manifest, OrtNDManager manager, OrtSymbolBlock encoder, OrtSymbolBlock decoder) {
    this.manifest = manifest;
    this.manager = manager;
    this.encoder = encoder;
    this.decoder = decoder;
  }

  static OnnxGraphs load(ImportArtifact artifact) {
    ImportManifest m = artifact.manifest();
    NDManager base = Engines.engine(EngineKind.ONNX_RUNTIME).newBaseManager();
    OrtSession enc = null;
    OrtSession dec = null;
    try {
      enc = session(artifact.encoder(), "encoder");
      dec = session(artifact.decoder(), "decoder");
      checkEncoder(m, enc, dec);
      checkDecoder(m, dec);
      OrtNDManager manager = (OrtNDManager) base;
      return new OnnxGraphs(m, manager, new OrtSymbolBlock(enc, manager), new OrtSymbolBlock(dec, manager));
    } catch (RuntimeException | Error e) {
      closeQuietly(enc);
      closeQuietly(dec);
      base.close();
      throw e;
    }
  }

  @Override
  public float[] encode(float[] input, int rows, int cols) {
    int latent = manifest.latentDim();
    List<String> names = manifest.encoderOutputs();
    float[] out = new float[rows * latent * names.size()];
    try (NDManager call = manager.newSubManager()) {
      NDList result = run(encoder, call, manifest.encoderInput(), input, rows, cols, "encoder");
      for (int part = 0; part < names.size(); part++) {
        float[] values = output(result, names.get(part), rows, latent, "encoder");
        // Mean then log-variance per row: the layout of a native vae's encoder block.
        for (int r = 0; r < rows; r++) {
          System.arraycopy(values, r * latent, out, (r * names.size() + part) * latent, latent);
        }
      }
    }
    return out;
  }

  @Override
  public float[] decode(float[] input, int rows, int cols) {
    try (NDManager call = manager.newSubManager()) {
      NDList result = run(decoder, call, manifest.decoderInput(), input, rows, cols, "decoder");
      return output(result, manifest.decoderOutput(), rows, manifest.inputDim(), "decoder");
    }
  }

  private static NDList run(OrtSymbolBlock graph, NDManager call, String name, float[] input, int rows, int cols,
      String which) {
    NDArray x = EngineArrays.floats(call, input, new Shape(rows, cols));
    x.setName(name);
    try {
      return graph.forward(new ParameterStore(call, false), new NDList(x), false);
    } catch (EngineException e) {
      throw new IncompatibleWeightsException("the " + which + " graph failed on " + rows + " row(s): "
          + rootMessage(e), e);
    }
  }

  private static float[] output(NDList result, String name, int rows, int width, String which) {
    NDArray a = result.get(name);
    if (a == null) {
      throw new IncompatibleWeightsException("the " + which + " graph returned no tensor '" + name + "'");
    }
    Shape want = new Shape(rows, width);
    if (!a.getShape().equals(want)) {
      throw new IncompatibleWeightsException("the " + which + " output '" + name + "' has shape " + a.getShape()
          + " for " + rows + " row(s); the manifest says " + want);
    }
    return a.toFloatArray();
  }

  private static OrtSession session(byte[] graph, String which) {
    try {
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      return OrtEnvironment.getEnvironment().createSession(graph, options);
    } catch (OrtException e) {
      throw new IncompatibleWeightsException("the " + which + " graph does not load in ONNX Runtime: "
          + e.getMessage(), e);
    }
  }

  private static void checkEncoder(ImportManifest m, OrtSession enc, OrtSession dec) {
    TensorInfo input = onlyInput(enc, "encoder", m.encoderInput(), "encoder.input");
    requireRows(input, "encoder input '" + m.encoderInput() + "'", m.inputDim(), "inputDim");
    Map<String, NodeInfo> outputs = outputs(enc);
    long decoderWidth = widthOf(inputs(dec).get(m.decoderInput()));
    for (String name : m.encoderOutputs()) {
      String field = m.family().variational()
          ? (name.equals(m.encoderMean()) ? "encoder.mean" : "encoder.logVariance") : "encoder.output";
      NodeInfo node = outputs.get(name);
      if (node == null) {
        throw new IncompatibleWeightsException("the encoder graph has no output '" + name + "' (manifest " + field
            + "); its outputs are " + outputs.keySet());
      }
      TensorInfo t = tensor(node, "encoder output '" + name + "'");
      long width = widthOf(node);
      if (width > 0 && width != m.latentDim()) {
        throw new IncompatibleWeightsException("the encoder output '" + name + "' has " + width
            + " values per row but latentDim is " + m.latentDim()
            + (decoderWidth > 0 ? " and the decoder input '" + m.decoderInput() + "' takes " + decoderWidth : "")
            + ": the encoder, the decoder and the manifest must agree on the latent size");
      }
      requireFloat(t, "encoder output '" + name + "'");
      requireDynamicBatch(t, "encoder output '" + name + "'");
    }
  }

  private static void checkDecoder(ImportManifest m, OrtSession dec) {
    TensorInfo input = onlyInput(dec, "decoder", m.decoderInput(), "decoder.input");
    long width = input.getShape().length == 2 ? input.getShape()[1] : -1;
    if (width > 0 && width != m.latentDim()) {
      throw new IncompatibleWeightsException("the decoder input '" + m.decoderInput() + "' takes " + width
          + " values per row but the encoder gives latentDim " + m.latentDim()
          + ": the encoder and decoder disagree on the latent size");
    }
    requireRows(input, "decoder input '" + m.decoderInput() + "'", m.latentDim(), "latentDim");
    NodeInfo node = outputs(dec).get(m.decoderOutput());
    if (node == null) {
      throw new IncompatibleWeightsException("the decoder graph has no output '" + m.decoderOutput()
          + "' (manifest decoder.output); its outputs are " + outputs(dec).keySet());
    }
    TensorInfo t = tensor(node, "decoder output '" + m.decoderOutput() + "'");
    long outWidth = widthOf(node);
    if (outWidth > 0 && outWidth != m.inputDim()) {
      throw new IncompatibleWeightsException("the decoder output '" + m.decoderOutput() + "' has " + outWidth
          + " values per row but inputDim is " + m.inputDim());
    }
    requireFloat(t, "decoder output '" + m.decoderOutput() + "'");
    requireDynamicBatch(t, "decoder output '" + m.decoderOutput() + "'");
  }

  private static TensorInfo onlyInput(OrtSession session, String which, String name, String field) {
    Map<String, NodeInfo> inputs = inputs(session);
    NodeInfo node = inputs.get(name);
    if (node == null) {
      throw new IncompatibleWeightsException("the " + which + " graph has no input '" + name + "' (manifest " + field
          + "); its inputs are " + inputs.keySet());
    }
    if (inputs.size() != 1) {
      throw new IncompatibleWeightsException("the " + which + " graph takes " + inputs.size() + " inputs "
          + inputs.keySet() + "; an imported " + which + " takes exactly one, '" + name + "' (manifest " + field + ")");
    }
    return tensor(node, which + " input '" + name + "'");
  }

  private static void requireRows(TensorInfo t, String what, int width, String field) {
    requireFloat(t, what);
    long[] shape = t.getShape();
    if (shape.length != 2) {
      throw new IncompatibleWeightsException("the " + what + " has shape " + Arrays.toString(shape)
          + "; it must be [batch, " + width + "] (rows x " + field + ")");
    }
    requireDynamicBatch(t, what);
    if (shape[1] > 0 && shape[1] != width) {
      throw new IncompatibleWeightsException("the " + what + " takes " + shape[1] + " values per row but " + field
          + " is " + width);
    }
  }

  private static void requireFloat(TensorInfo t, String what) {
    if (t.type != OnnxJavaType.FLOAT) {
      throw new IncompatibleWeightsException("the " + what + " is " + t.onnxType + "; aeserve exchanges float32 "
          + "tensors (export the graph with float inputs and outputs)");
    }
  }

  private static void requireDynamicBatch(TensorInfo t, String what) {
    long[] shape = t.getShape();
    if (shape.length > 0 && shape[0] >= 0) {
      throw new IncompatibleWeightsException("the " + what + " has a static batch axis of " + shape[0]
          + "; export it with a dynamic batch axis (torch.onnx.export(..., dynamic_axes={name: {0: 'batch'}}))");
    }
  }

  private static TensorInfo tensor(NodeInfo node, String what) {
    if (!(node.getInfo() instanceof TensorInfo t)) {
      throw new IncompatibleWeightsException("the " + what + " is not a tensor (" + node.getInfo() + ")");
    }
    return t;
  }

  /** The declared width (second axis) of a rank-2 tensor, or -1 when it is not declared. */
  private static long widthOf(NodeInfo node) {
    if (node == null || !(node.getInfo() instanceof TensorInfo t) || t.getShape().length != 2) {
      return -1;
    }
    return t.getShape()[1];
  }

  private static Map<String, NodeInfo> inputs(OrtSession s) {
    try {
      return s.getInputInfo();
    } catch (OrtException e) {
      throw new IncompatibleWeightsException("cannot read the graph's inputs: " + e.getMessage(), e);
    }
  }

  private static Map<String, NodeInfo> outputs(OrtSession s) {
    try {
      return s.getOutputInfo();
    } catch (OrtException e) {
      throw new IncompatibleWeightsException("cannot read the graph's outputs: " + e.getMessage(), e);
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return String.valueOf(root.getMessage());
  }

  private static void closeQuietly(OrtSession s) {
    if (s != null) {
      try {
        s.close();
      } catch (OrtException ignored) {
        // Closing after a failed load: the load's own error is the one worth reporting.
      }
    }
  }

  @Override
  public void close() {
    encoder.close();
    decoder.close();
    manager.close();
  }
}
