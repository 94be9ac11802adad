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
   * Before {@link #onEpoch} for the same epoch, where training validates a ranking metric on
   * held-back users (multvae's early stopping).
   *
   * @param metric such as {@code ndcg@100}
   * @param best whether this epoch is the best so far (the one kept if training stopped now)
   */
  default void onValidation(int epoch, String metric, double value, boolean best) {}

  /**
   * After each optimizer step.
   *
   * @param batch 1-based within the current epoch
   */
  default void onBatch(int batch, int batches) {}
}
