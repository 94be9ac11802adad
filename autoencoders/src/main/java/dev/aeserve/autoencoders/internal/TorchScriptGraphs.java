package dev.aeserve.autoencoders.internal;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.ImportArtifact;
import dev.aeserve.autoencoders.ImportManifest;
import dev.aeserve.autoencoders.IncompatibleWeightsException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * An imported TorchScript encoder and decoder ({@code torch.jit.script} or {@code torch.jit.trace},
 * then {@code .save}) on DJL's PyTorch engine, mapped onto the seam by the manifest.
 *
 * <p>TorchScript declares no tensor shapes or dtypes and names only the forward method's
 * arguments, so the checks differ from ONNX's: the archive's code must show a root module whose
 * {@code forward} takes exactly one argument with the manifest's input name (read from the saved
 * code, which is plain text in the archive); outputs are positional (a tensor for ae and dae, a
 * tuple (mean, log-variance) for vae and multvae; the manifest's output names are labels). Whether
 * the batch axis is dynamic, the input float32 and the latent sizes agreed is then proven by
 * running the modules ({@link ImportedVersions}): a module that fails or answers the wrong shape
 * or dtype is refused, naming which.
 */
final class TorchScriptGraphs implements EncoderDecoder {
  private static final Pattern FORWARD = Pattern.compile("def forward\\(self: ([\\w.]+)((?:,\\s*\\w+\\s*:[^,)]+)*)\\)");
  private static final Pattern ARGUMENT = Pattern.compile(",\\s*(\\w+)\\s*:");

  private final ImportManifest manifest;
  private final PtNDManager manager;
  private final PtSymbolBlock encoder;
  private final PtSymbolBlock decoder;

  private TorchScriptGraphs(ImportManifest manifest, PtNDManager manager, PtSymbolBlock encoder,
      PtSymbolBlock decoder) {
    this.manifest = manifest;
    this.manager = manager;
    this.encoder = encoder;
    this.decoder = decoder;
  }

  static TorchScriptGraphs load(ImportArtifact artifact) {
    ImportManifest m = artifact.manifest();
    requireOnlyInput(artifact.encoder(), "encoder", m.encoderInput(), "encoder.input");
    requireOnlyInput(artifact.decoder(), "decoder", m.decoderInput(), "decoder.input");
    PtNDManager base = (PtNDManager) Engines.engine(EngineKind.PYTORCH).newBaseManager();
    PtSymbolBlock enc = null;
    PtSymbolBlock dec = null;
    try {
      enc = module(base, artifact.encoder(), "encoder");
      dec = module(base, artifact.decoder(), "decoder");
      return new TorchScriptGraphs(m, base, enc, dec);
    } catch (RuntimeException | Error e) {
      if (enc != null) {
        enc.close();
      }
      if (dec != null) {
        dec.close();
      }
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
      NDList result = run(encoder, call, input, rows, cols, "encoder");
      if (result.size() != names.size()) {
        throw new IncompatibleWeightsException("the encoder returned " + result.size() + " tensor(s); family '"
            + manifest.family().id() + "' needs " + (names.size() == 1 ? "one tensor (" + names.get(0) + ")"
                : "a tuple of " + names.size() + " " + names) + " (manifest encoder)");
      }
      for (int part = 0; part < names.size(); part++) {
        float[] values = output(result.get(part), names.get(part), rows, latent, "encoder", "latentDim");
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
      NDList result = run(decoder, call, input, rows, cols, "decoder");
      if (result.size() != 1) {
        throw new IncompatibleWeightsException("the decoder returned " + result.size() + " tensors; it must return "
            + "one (" + manifest.decoderOutput() + ", rows x inputDim)");
      }
      return output(result.get(0), manifest.decoderOutput(), rows, manifest.inputDim(), "decoder", "inputDim");
    }
  }

  private static NDList run(PtSymbolBlock module, NDManager call, float[] input, int rows, int cols, String which) {
    NDArray x = EngineArrays.floats(call, input, new Shape(rows, cols));
    try {
      NDList out = module.forward(new ParameterStore(call, false), new NDList(x), false);
      // The module's outputs belong to the block's manager: move them into this call's, so they
      // are freed with it.
      out.attach(call);
      return out;
    } catch (EngineException e) {
      String why = rootMessage(e);
      String lower = why.toLowerCase(Locale.ROOT);
      if (lower.contains("double") || lower.contains("dtype") || lower.contains("scalar type")) {
        throw new IncompatibleWeightsException("the " + which + " fails on float32 input: " + firstLine(why)
            + "; aeserve exchanges float32 tensors (save the module with float32 parameters)", e);
      }
      if ("decoder".equals(which) && (lower.contains("cannot be multiplied") || lower.contains("size mismatch"))) {
        throw new IncompatibleWeightsException("the decoder does not take " + cols + " latent values per row: "
            + firstLine(why) + "; the encoder and decoder disagree on the latent size (latentDim)", e);
      }
      throw new IncompatibleWeightsException("the " + which + " module failed on " + rows + " row(s): "
          + firstLine(why), e);
    }
  }

  private static float[] output(NDArray a, String name, int rows, int width, String which, String field) {
    if (a.getDataType() != DataType.FLOAT32) {
      throw new IncompatibleWeightsException("the " + which + " output '" + name + "' is " + a.getDataType()
          + "; aeserve exchanges float32 tensors");
    }
    Shape shape = a.getShape();
    if (shape.dimension() != 2 || shape.get(0) != rows) {
      throw new IncompatibleWeightsException("the " + which + " output '" + name + "' has shape " + shape + " for "
          + rows + " row(s): its batch axis is not the input's (a batch size fixed at export?); it must be [rows, "
          + width + "]");
    }
    if (shape.get(1) != width) {
      throw new IncompatibleWeightsException("the " + which + " output '" + name + "' has " + shape.get(1)
          + " values per row but " + field + " is " + width);
    }
    return a.toFloatArray();
  }

  private static PtSymbolBlock module(PtNDManager manager, byte[] bytes, String which) {
    try {
      PtSymbolBlock block = JniUtils.loadModule(manager, new ByteArrayInputStream(bytes), true, false);
      // module.eval(): dropout off and batch norm on its running statistics, whatever mode it was saved in.
      JniUtils.enableInferenceMode(block);
      return block;
    } catch (IOException | RuntimeException e) {
      throw new IncompatibleWeightsException("the " + which + " module does not load in PyTorch (libtorch "
          + "through DJL): " + firstLine(rootMessage(e)), e);
    }
  }

  /**
   * Refuses a module whose root forward does not take exactly one argument named as the manifest
   * says. The names are read from the archive: its data.pkl begins with the root module's type
   * (a pickle GLOBAL), and its code/ holds that type's forward signature as text.
   */
  static void requireOnlyInput(byte[] archive, String which, String name, String field) {
    Map<String, String> texts = new LinkedHashMap<>();
    byte[] data = null;
    // torch.jit.save stores entries uncompressed with data descriptors, which ZipInputStream cannot
    // read: ZipFile reads the central directory instead, so the bytes go through a temporary file.
    Path file = null;
    try {
      file = Files.createTempFile("aeserve-torchscript", ".pt");
      Files.write(file, archive);
      try (ZipFile zip = new ZipFile(file.toFile())) {
        for (ZipEntry e : java.util.Collections.list(zip.entries())) {
          String entry = e.getName();
          if (entry.endsWith("/data.pkl") && entry.indexOf('/') == entry.lastIndexOf('/')) {
            data = read(zip, e);
          } else if (entry.contains("/code/") && entry.endsWith(".py")) {
            texts.put(entry, new String(read(zip, e), StandardCharsets.UTF_8));
          }
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new IncompatibleWeightsException("the " + which + " is not a TorchScript archive (torch.jit.save writes "
          + "a zip): " + e.getMessage(), e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // A temporary file left behind is harmless; the refusal or acceptance is what matters.
        }
      }
    }
    if (data == null || texts.isEmpty()) {
      throw new IncompatibleWeightsException("the " + which + " is not a TorchScript archive: it has no data.pkl "
          + "and code/ (save it with torch.jit.script(module).save(path) or torch.jit.trace(...).save(path))");
    }
    String root = rootType(data);
    for (String text : texts.values()) {
      Matcher m = FORWARD.matcher(text);
      while (m.find()) {
        if (!m.group(1).equals(root)) {
          continue;
        }
        List<String> args = new ArrayList<>();
        Matcher a = ARGUMENT.matcher(m.group(2));
        while (a.find()) {
          args.add(a.group(1));
        }
        if (!args.contains(name)) {
          throw new IncompatibleWeightsException("the " + which + " module's forward has no input '" + name
              + "' (manifest " + field + "); its inputs are " + args);
        }
        if (args.size() != 1) {
          throw new IncompatibleWeightsException("the " + which + " module's forward takes " + args.size()
              + " inputs " + args + "; an imported " + which + " takes exactly one, '" + name + "' (manifest "
              + field + ")");
        }
        return;
      }
    }
    throw new IncompatibleWeightsException("the " + which + " archive has no forward method for its root module "
        + root + "; save a module whose forward takes the rows");
  }

  private static byte[] read(ZipFile zip, ZipEntry e) throws IOException {
    try (var in = zip.getInputStream(e)) {
      return in.readAllBytes();
    }
  }

  /** The root module's type from data.pkl's first GLOBAL opcode: 'c' module '\n' name '\n'. */
  private static String rootType(byte[] pickle) {
    int start = pickle.length > 2 && (pickle[0] & 0xff) == 0x80 ? 2 : 0;
    if (pickle.length > start && pickle[start] == 'c') {
      int nl1 = indexOf(pickle, (byte) '\n', start + 1);
      int nl2 = nl1 < 0 ? -1 : indexOf(pickle, (byte) '\n', nl1 + 1);
      if (nl2 > 0) {
        return new String(pickle, start + 1, nl1 - start - 1, StandardCharsets.UTF_8) + "."
            + new String(pickle, nl1 + 1, nl2 - nl1 - 1, StandardCharsets.UTF_8);
      }
    }
    throw new IncompatibleWeightsException("the TorchScript archive's data.pkl does not start with its root module's "
        + "type; save it with torch.jit.save");
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length && i < from + 512; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return String.valueOf(root.getMessage());
  }

  /** libtorch's messages carry a long C++ or TorchScript traceback: the first line says what happened. */
  private static String firstLine(String message) {
    String m = message.strip();
    // TorchScript errors start with "The following operation failed in the TorchScript interpreter."
    // and end with the RuntimeError line: that last line is the one that explains.
    String[] lines = m.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (lines[i].startsWith("RuntimeError: ")) {
        return lines[i].substring("RuntimeError: ".length()).strip();
      }
    }
    return lines[0].strip();
  }

  @Override
  public void close() {
    encoder.close();
    decoder.close();
    manager.close();
  }
}
