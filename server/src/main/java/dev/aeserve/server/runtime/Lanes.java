package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.ScoreKind;

/** Names of a loaded version's batch lanes. */
public final class Lanes {

  public static final String ENCODE = "encode";
  public static final String DECODE = "decode";
  public static final String DENOISE = "denoise";
  public static final String SAMPLE = "sample";
  public static final String RECOMMEND = "recommend";

  private Lanes() {}

  /** Reconstruct requests share a batch only with requests for the same score. */
  public static String reconstruct(ScoreKind kind) {
    return "reconstruct/" + kind.id();
  }
}
