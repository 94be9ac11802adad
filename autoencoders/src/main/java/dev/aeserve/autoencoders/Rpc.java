package dev.aeserve.autoencoders;

/** The six inference calls of the Autoencoder service; a family declares which it serves. */
public enum Rpc {
  ENCODE, DECODE, RECONSTRUCT, SAMPLE, DENOISE, RECOMMEND;

  public String displayName() {
    String n = name();
    return n.charAt(0) + n.substring(1).toLowerCase(java.util.Locale.ROOT);
  }
}
