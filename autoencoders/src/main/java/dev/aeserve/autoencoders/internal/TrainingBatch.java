package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * One batch as the training graph receives it. Arrays a family does not use are a column of zeros.
 *
 * @param encoderInput what the encoder sees (corrupted for dae, normalized and dropped out for multvae)
 * @param target what the decoder should give back (clean, in the blocks' space)
 * @param noise N(0, 1) for the reparameterization (variational), rows x latentDim
 * @param conditions a cvae's one-hot conditions, rows x labels
 * @param mask 1 where a rating is observed (autorec)
 * @param direction N(0, 1) probe directions for the contractive estimate, rows x encoder input
 */
record TrainingBatch(NDArray encoderInput, NDArray target, NDArray noise, NDArray conditions, NDArray mask,
    NDArray direction) {

  static TrainingBatch of(NDList in) {
    return new TrainingBatch(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5));
  }

  NDList toList() {
    return new NDList(encoderInput, target, noise, conditions, mask, direction);
  }
}
