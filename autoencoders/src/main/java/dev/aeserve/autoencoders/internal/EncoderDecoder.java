package dev.aeserve.autoencoders.internal;

/**
 * The engine side of a loaded version, the one seam every engine sits behind: the encoder and the
 * decoder as functions of row-major float matrices. Native blocks ({@link NativeBlocks}) and
 * imported ONNX graphs ({@link OnnxGraphs}) both implement it, so everything family-specific
 * around them (conditions, mean and log-variance, sampling, softmax, scores, ranking) lives once,
 * in {@link DjlAutoencoder}, and the batcher never knows where a version came from.
 *
 * <p>Implementations are safe for concurrent calls; {@link DjlAutoencoder} guarantees no call is
 * in flight when {@link #close} runs.
 */
public interface EncoderDecoder extends AutoCloseable {

  /**
   * The encoder: rows x cols in (the spec's encoder input: features, then a cvae's one-hot), rows x
   * {@code spec.encoderOutputDim()} out (mean then log-variance per row for variational families).
   */
  float[] encode(float[] input, int rows, int cols);

  /** The decoder: rows x cols latents (and a cvae's one-hot) in, rows x inputDim out, before postprocessing. */
  float[] decode(float[] input, int rows, int cols);

  /** decode(encode(x)) for a deterministic family, in one engine call where the engine allows it. */
  default float[] encodeThenDecode(float[] input, int rows, int cols, int latentCols) {
    return decode(encode(input, rows, cols), rows, latentCols);
  }

  @Override
  void close();
}
