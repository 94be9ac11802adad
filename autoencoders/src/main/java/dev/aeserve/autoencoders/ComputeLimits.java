package dev.aeserve.autoencoders;

/**
 * Every bound a model call puts on what one request may ask of an engine, in one place. The
 * engine enforces them on every call; a server checks the same numbers, with the same methods and
 * therefore the same messages, at admission, so a request the engine would refuse is never
 * queued. Each bound keeps one call's compute and memory proportional to a size a caller can be
 * told in advance (see docs/api.md).
 *
 * <p>Bounds that depend on a version (input width, latent width, vocabulary, condition labels,
 * input domain) live on its {@link AutoencoderSpec}; these do not.
 */
public final class ComputeLimits {
  private ComputeLimits() {}

  /**
   * Users per Recommend call. One call builds a dense users x items matrix (items up to the
   * spec's width limit of 65,536), so this bounds it at 1 GiB of float32.
   */
  public static final int MAX_RECOMMEND_USERS = 4096;

  /** Items per user that Recommend returns at most (its k). */
  public static final int MAX_K = 10_000;

  /**
   * Unknown item ids Recommend reports per user; {@link Recommendations#unknownItemCount()} says
   * how many there were in all. Candidate and excluded ids apply to every user, so without a cap
   * 100,000 unknown candidates for 4,096 users would be a response of 400 million strings.
   */
  public static final int MAX_REPORTED_UNKNOWN_ITEMS = 100;

  /** Rows one Sample call draws. */
  public static final int MAX_SAMPLE_COUNT = 1 << 16;

  /** Rows of an interpolation path, endpoints included. */
  public static final int MAX_INTERPOLATION_STEPS = 4096;

  /**
   * Largest Sample temperature (the prior's standard deviation). The prior is N(0, 1); a
   * thousand times its spread is far past any use and keeps the drawn codes (at most about
   * 10 * temperature) well inside {@link #MAX_ABS_LATENT}.
   */
  public static final double MAX_TEMPERATURE = 1000;

  /**
   * Largest magnitude of a latent value Decode and latent interpolation take. Codes a real
   * encoder produces are many orders of magnitude smaller; far beyond it float32 arithmetic in a
   * decoder overflows (latents of 1e38 decoded to Infinity). A code under this bound that still
   * decodes to non-finite values is refused after compute.
   */
  public static final float MAX_ABS_LATENT = 1e8f;

  /** @throws InvalidInputException unless users is in [1, {@value #MAX_RECOMMEND_USERS}] */
  public static void requireRecommendUsers(int users) {
    if (users < 1) {
      throw new InvalidInputException("no users to recommend for");
    }
    if (users > MAX_RECOMMEND_USERS) {
      throw new InvalidInputException(users + " users in one call; at most " + MAX_RECOMMEND_USERS);
    }
  }

  /** @throws InvalidInputException unless k is in [1, {@value #MAX_K}] */
  public static void requireK(long k) {
    if (k < 1 || k > MAX_K) {
      throw new InvalidInputException("k must be in [1, " + MAX_K + "], got " + k);
    }
  }

  /** @throws InvalidInputException unless count is in [1, {@value #MAX_SAMPLE_COUNT}] */
  public static void requireSampleCount(long count) {
    if (count < 1 || count > MAX_SAMPLE_COUNT) {
      throw new InvalidInputException("count must be in [1, " + MAX_SAMPLE_COUNT + "], got " + count);
    }
  }

  /** @throws InvalidInputException unless steps is in [2, {@value #MAX_INTERPOLATION_STEPS}] */
  public static void requireInterpolationSteps(long steps) {
    if (steps < 2 || steps > MAX_INTERPOLATION_STEPS) {
      throw new InvalidInputException("steps must be in [2, " + MAX_INTERPOLATION_STEPS
          + "] (endpoints included), got " + steps);
    }
  }

  /** @throws InvalidInputException unless temperature is in [0, {@value #MAX_TEMPERATURE}] */
  public static void requireTemperature(double temperature) {
    if (!(temperature >= 0) || !(temperature <= MAX_TEMPERATURE)) {
      throw new InvalidInputException("temperature must be finite and in [0, " + (long) MAX_TEMPERATURE
          + "], got " + temperature);
    }
  }

  /**
   * Whether a latent value is one Decode takes: finite and at most {@value #MAX_ABS_LATENT} in
   * magnitude. {@link InputValidation#requireLatent} applies it to every value of a latent matrix.
   */
  public static boolean latentInRange(float value) {
    return Math.abs(value) <= MAX_ABS_LATENT; // false for NaN and the infinities too
  }
}
