package dev.aeserve.autoencoders;

/**
 * Told about training as it goes, so a command line can draw a progress bar. Called on the
 * training thread; keep it quick.
 */
public interface TrainingProgress {
  /** Does nothing. */
  TrainingProgress NONE = new TrainingProgress() {};

  /**
   * After each epoch. Losses are the training loss (MSE or BCE, in the space the blocks see,
   * that is after standardization).
   *
   * @param epoch 1-based
   */
  default void onEpoch(int epoch, int epochs, double trainLoss, double heldOutLoss) {}

  /**
   * After each optimizer step.
   *
   * @param batch 1-based within the current epoch
   */
  default void onBatch(int batch, int batches) {}
}
