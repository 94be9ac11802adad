package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The block a DJL trainer drives: it holds the encoder and decoder as children and its forward
 * pass returns the family's training objective as a scalar, so one training loop serves every
 * family. Inputs are a {@link TrainingBatch}'s arrays.
 */
final class TrainingGraph extends AbstractBlock {
  private final Block encoder;
  private final Block decoder;
  private final Shape encoderInput;
  private final Shape decoderInput;
  private final Objective objective;

  TrainingGraph(Block encoder, Block decoder, Shape encoderInput, Shape decoderInput, Objective objective) {
    super((byte) 1);
    this.encoder = addChildBlock("encoder", encoder);
    this.decoder = addChildBlock("decoder", decoder);
    this.encoderInput = encoderInput;
    this.decoderInput = decoderInput;
    this.objective = objective;
  }

  @Override
  protected NDList forwardInternal(ParameterStore parameters, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray loss = objective.loss(parameters, encoder, decoder, TrainingBatch.of(inputs), training);
    return new NDList(loss);
  }

  @Override
  public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    encoder.initialize(manager, dataType, encoderInput);
    decoder.initialize(manager, dataType, decoderInput);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape()};
  }
}
