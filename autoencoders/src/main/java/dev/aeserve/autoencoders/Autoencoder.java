package dev.aeserve.autoencoders;

/**
 * One loaded model version, ready to compute. Implementations own native engine memory: close
 * releases it. Calls are safe from many threads.
 *
 * <p>Inputs are validated against the spec (width, finite values, at least one row) and an
 * {@link InvalidInputException} says what is wrong; a call the family does not serve throws
 * {@link RpcNotServedException}.
 */
public interface Autoencoder extends AutoCloseable {

  AutoencoderSpec spec();

  EngineKind engine();

  /** x (rows x inputDim) to z (rows x latentDim). */
  Matrix encode(Matrix x);

  /** z (rows x latentDim) to x' (rows x inputDim). */
  Matrix decode(Matrix z);

  /** x to x', with per-row scores and per-feature errors under the spec's loss. */
  Reconstruction reconstruct(Matrix x);

  @Override
  void close();
}
