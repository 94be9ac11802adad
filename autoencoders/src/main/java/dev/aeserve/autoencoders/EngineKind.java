package dev.aeserve.autoencoders;

import java.util.Locale;

/** The DJL engines aeserve runs on. The same weights artifact loads in either. */
public enum EngineKind {
  MXNET("MXNet"),
  PYTORCH("PyTorch");

  private final String djlName;

  EngineKind(String djlName) {
    this.djlName = djlName;
  }

  /** The engine name DJL uses, as in {@code Engine.getEngine("MXNet")}. */
  public String djlName() {
    return djlName;
  }

  public static EngineKind parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown engine '" + s + "'; use mxnet or pytorch");
    }
  }
}
