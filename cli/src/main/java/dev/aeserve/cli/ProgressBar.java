package dev.aeserve.cli;

import dev.aeserve.autoencoders.TrainingProgress;
import java.io.PrintStream;
import java.util.Locale;

/** Draws training progress on a terminal: a bar per epoch, then the epoch's losses. */
final class ProgressBar implements TrainingProgress {

  private static final int WIDTH = 30;

  private final PrintStream out;
  /** Off a terminal (a log file, CI) the bar would be thousands of carriage returns: epochs only. */
  private final boolean interactive = System.console() != null;
  private int epoch = 1;
  private int epochs;
  private String validation = "";

  ProgressBar(PrintStream out, int epochs) {
    this.out = out;
    this.epochs = epochs;
  }

  @Override
  public void onBatch(int batch, int batches) {
    // Redrawing every step would flood a log file; 50 updates an epoch is smooth enough.
    if (!interactive || (batch != batches && batch % Math.max(1, batches / 50) != 0)) {
      return;
    }
    int filled = (int) ((long) WIDTH * batch / batches);
    out.print(String.format(Locale.ROOT, "\repoch %d/%d [%s%s] %3d%%", epoch, epochs,
        "#".repeat(filled), "-".repeat(WIDTH - filled), 100L * batch / batches));
    out.flush();
  }

  @Override
  public void onValidation(int epoch, String metric, double value, boolean best) {
    validation = String.format(Locale.ROOT, "  validation %s %.4f%s", metric, value, best ? " (best)" : "");
  }

  @Override
  public void onEpoch(int epoch, int epochs, double trainLoss, double heldOutLoss) {
    this.epochs = epochs;
    out.println(String.format(Locale.ROOT, (interactive ? "\r" : "") + "epoch %d/%d [%s] train loss %.5f  held-out loss %.5f%s",
        epoch, epochs, "#".repeat(WIDTH), trainLoss, heldOutLoss, validation));
    validation = "";
    this.epoch = epoch + 1;
  }
}
