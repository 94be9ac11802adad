package dev.aeserve.autoencoders;

import java.util.List;

/**
 * One loaded model version, ready to compute. Implementations own native engine memory: close
 * releases it. Calls are safe from many threads.
 *
 * <p>Every method checks first that the family serves its RPC ({@link RpcNotServedException},
 * FAILED_PRECONDITION on the wire), then its input against the spec ({@link
 * InvalidInputException} saying what is wrong: width, non-finite values, no rows, conditions),
 * before anything reaches the engine. Methods without a {@link Conditions} argument pass
 * {@link Conditions#NONE}, which a cvae refuses.
 *
 * <p>Which method serves which RPC:
 * <ul>
 *   <li>Encode: {@link #encode(Matrix, Conditions, Long)} (mean, log-variance, seeded sample).
 *   <li>Decode: {@link #decode(Matrix, Conditions)}.
 *   <li>Reconstruct: {@link #reconstruct(Matrix, ScoreKind, Conditions)}.
 *   <li>Sample: {@link #sample}, {@link #interpolateLatents}, {@link #interpolateInputs}.
 *   <li>Denoise: {@link #denoise(Matrix)}, {@link #denoise(Matrix, Corruption, long)}.
 *   <li>Recommend: {@link #recommend}, {@link #scoreItems}.
 * </ul>
 */
public interface Autoencoder extends AutoCloseable {

  AutoencoderSpec spec();

  EngineKind engine();

  /** x (rows x inputDim) to z (rows x latentDim); the posterior mean for variational families. */
  default Matrix encode(Matrix x) {
    return encode(x, Conditions.NONE, null).mean();
  }

  /**
   * Encode. For variational families (vae, cvae, multvae) the result carries the log-variance,
   * and with a seed a sampled z = mean + exp(logVariance / 2) * eps, eps from
   * {@link LatentSampler} with that seed (row i's eps depends only on the seed and i).
   *
   * @param sampleSeed null for no sample
   * @throws InvalidInputException when a seed is given to a deterministic family
   */
  Encoding encode(Matrix x, Conditions conditions, Long sampleSeed);

  /** z (rows x latentDim) to x' (rows x inputDim). */
  default Matrix decode(Matrix z) {
    return decode(z, Conditions.NONE);
  }

  /** z to x'; a cvae decodes each row under its condition. */
  Matrix decode(Matrix z, Conditions conditions);

  /** x to x', with per-row scores and per-feature errors under the spec's default score. */
  default Reconstruction reconstruct(Matrix x) {
    return reconstruct(x, null, Conditions.NONE);
  }

  /**
   * x to x' with per-row scores of the chosen kind (see {@link ScoreKind}; null means
   * {@link AutoencoderSpec#defaultScoreKind()}) and per-feature errors. Variational families
   * reconstruct deterministically through the posterior mean. AutoRec scores only observed
   * (non-zero) ratings: its per-feature errors are 0 elsewhere and a row's score is the mean
   * squared error over its observed entries. Multvae's output is the multinomial's
   * probabilities (softmax of the decoder's logits).
   *
   * @throws InvalidInputException for neg_elbo on a deterministic family, or bce on autorec
   */
  Reconstruction reconstruct(Matrix x, ScoreKind kind, Conditions conditions);

  /**
   * {@code count} draws z ~ N(0, temperature^2 I) from {@link LatentSampler} with {@code seed},
   * decoded (under the conditions, for cvae). The same seed and parameters give the same z; see
   * the module's tests for how far decoding is bit-identical across batch compositions.
   */
  Samples sample(int count, long seed, double temperature, Conditions conditions);

  /** Decodes the {@code steps}-row path between two latent rows (endpoints included). */
  Samples interpolateLatents(float[] from, float[] to, int steps, Interpolation kind, Conditions conditions);

  /**
   * Encodes two input rows (to their means, under the one condition for all rows when cvae),
   * then decodes the path between their codes.
   */
  Samples interpolateInputs(float[] from, float[] to, int steps, Interpolation kind, Conditions conditions);

  /** The denoising forward pass: noisy x to clean x'. */
  Matrix denoise(Matrix noisy);

  /**
   * Corrupts x with {@code corruption} and {@code seed} (for evaluation: the caller sends clean
   * rows), then denoises. The result carries the corrupted rows too.
   */
  Denoising denoise(Matrix clean, Corruption corruption, long seed);

  /**
   * Scores for every vocabulary item per user row (rows x items): predicted ratings for
   * autorec, the multinomial's logits for multvae.
   */
  Matrix scoreItems(Matrix interactions);

  /**
   * Top-k items per user from their histories (external item ids and values). Unknown ids in a
   * history, the candidates or the excluded set are reported per user (at most
   * {@link ComputeLimits#MAX_REPORTED_UNKNOWN_ITEMS}, with the count of all of them), never
   * fatal, unless a user's history holds no known item at all ({@link UnknownItemsException}).
   * The cost is linear in the ids the request carries plus users x items log k for the ranking.
   *
   * @throws InvalidInputException for no users or more than
   *     {@link ComputeLimits#MAX_RECOMMEND_USERS}, an empty history or a non-finite value
   */
  List<Recommendations> recommend(List<List<Interaction>> users, RecommendOptions options);

  @Override
  void close();
}
