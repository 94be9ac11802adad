package dev.aeserve.autoencoders;

import java.util.Locale;

/**
 * The DJL engines aeserve runs on. The same weights artifact loads in MXNet or PyTorch, the
 * engines a server or a training run is configured with; ONNX Runtime serves imported ONNX pairs
 * (see {@link ImportArtifact}) whatever the server's engine, and is not a choice for
 * {@code --engine}.
 */
public enum EngineKind {
  MXNET("MXNet"),
  PYTORCH("PyTorch"),
  ONNX_RUNTIME("OnnxRuntime");

  private final String djlName;

  EngineKind(String djlName) {
    this.djlName = djlName;
  }

  /** The engine name DJL uses, as in {@code Engine.getEngine("MXNet")}. */
  public String djlName() {
    return djlName;
  }

  /** The engine named by {@code --engine}: mxnet or pytorch. */
  public static EngineKind parse(String s) {
    EngineKind kind;
    try {
      kind = valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown engine '" + s + "'; use mxnet or pytorch");
    }
    if (kind == ONNX_RUNTIME) {
      throw new IllegalArgumentException("onnx_runtime serves imported ONNX versions only; use mxnet or pytorch");
    }
    return kind;
  }
}
