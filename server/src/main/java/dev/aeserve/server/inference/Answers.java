package dev.aeserve.server.inference;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Encoding;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.autoencoders.Samples;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.server.routing.ResolvedVersion;

/** What {@link Inference} answers for each call, before the transport maps it to a message. */
public final class Answers {

  private Answers() {}

  /**
   * @param samples the seeded samples asked for, or null
   * @param seed their seed, or null
   */
  public record Encoded(Encoding encoding, Matrix samples, Long seed, String fingerprint) {}

  public record Decoded(Matrix outputs, String fingerprint) {}

  /**
   * @param calibration the version's calibration when it is of this very score, else null
   * @param anomalous a verdict per row, or null: present when there is a calibration of this score
   *     or when a row lies outside the version's input domain (such a row is anomalous whatever its
   *     score; its reason is in {@code outsideDomain})
   * @param outsideDomain per row, why it lies outside the input domain the version was trained on,
   *     or null for a row inside; null when every row is inside
   */
  public record Reconstructed(Reconstruction reconstruction, ScoreKind kind, Calibration calibration,
      boolean[] anomalous, String[] outsideDomain) {}

  /** @param seed the seed to echo: the request's (or the fresh one) */
  public record Sampled(Samples samples, long seed) {}

  /**
   * @param corrupted the corrupted rows, or null without corruption
   * @param corruptionSeed the corruption's seed, or null without corruption
   * @param cleanErrors per row, the MSE between output and the clean input; null without corruption
   */
  public record Denoised(Matrix outputs, Matrix corrupted, Long corruptionSeed, float[] cleanErrors) {}

  /** The version a selector routes to now, and its spec (for readiness and metadata). */
  public record Described(ResolvedVersion resolved, AutoencoderSpec spec) {}
}
