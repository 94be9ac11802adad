package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.ComputeLimits;
import dev.aeserve.autoencoders.Texts;

/**
 * What one request may carry, so that what it costs is bounded before it is queued. The
 * constants are the documented limits of docs/api.md (a test compares the two); {@code maxRows}
 * is the server's {@code --max-rows}.
 *
 * @param maxRows rows per request (Encode, Decode, Reconstruct, Denoise), draws per Sample
 */
public record RequestLimits(int maxRows) {

  /** The default of {@code --max-rows}. */
  public static final int DEFAULT_MAX_ROWS = 8192;
  /** Users per Recommend call: the most one engine call ranks. */
  public static final int MAX_USERS = ComputeLimits.MAX_RECOMMEND_USERS;
  /** Items ranked per user. */
  public static final int MAX_K = ComputeLimits.MAX_K;
  /** Unknown item ids reported per user (the total is always reported). */
  public static final int MAX_REPORTED_UNKNOWN_ITEMS = ComputeLimits.MAX_REPORTED_UNKNOWN_ITEMS;
  /** Steps of one interpolation. */
  public static final int MAX_STEPS = ComputeLimits.MAX_INTERPOLATION_STEPS;
  /**
   * Sample temperature: the prior's standard deviation is scaled by it. Far beyond any useful
   * value already; larger ones only overflow the decoder.
   */
  public static final double MAX_TEMPERATURE = ComputeLimits.MAX_TEMPERATURE;
  /**
   * Largest magnitude of an input value. Beyond it no model computes a finite score (a row of
   * -3.4e38 reconstructs to Infinity), so such a row cannot even be flagged: it is refused.
   * Rows inside it but outside a version's trained domain are flagged (see {@code outside_domain});
   * the domain check treats the same magnitude ({@code InputDomain.MAX_ABS_VALUE}) as outside
   * every domain.
   */
  public static final double MAX_ABS_INPUT = 1e15;
  /** Largest magnitude of a latent value Decode and latent interpolation take. */
  public static final double MAX_ABS_LATENT = ComputeLimits.MAX_ABS_LATENT;
  /** Characters of a caller's value quoted back in an error message ({@link Texts#capped}). */
  public static final int MAX_ECHO = Texts.MAX_ECHO;

  public RequestLimits {
    if (maxRows < 1) {
      throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
    }
  }

  public static RequestLimits defaults() {
    return new RequestLimits(DEFAULT_MAX_ROWS);
  }
}
