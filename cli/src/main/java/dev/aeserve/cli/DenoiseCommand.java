package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.Corruption;
import dev.aeserve.proto.v1.DenoiseRequest;
import dev.aeserve.proto.v1.DenoiseResponse;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aeserve denoise}: a dae's clean reconstruction of each row. With corruption flags the
 * server first corrupts the (clean) input itself, which is how to evaluate a dae: the per-row
 * error of the output against the clean input goes to stderr.
 */
@Command(name = "denoise", mixinStandardHelpOptions = true,
    description = "Noisy x -> clean x' with a dae; optionally corrupt the input on the server first.")
final class DenoiseCommand implements Runnable {

  @Mixin
  PngOption png;

  @Mixin
  InferenceCommands.Call call;

  @Option(names = "--gaussian", paramLabel = "SIGMA", defaultValue = "0", description = "Add gaussian noise of this sigma.")
  float gaussian;

  @Option(names = "--mask", paramLabel = "P", defaultValue = "0", description = "Zero each value with probability P.")
  float mask;

  @Option(names = "--salt-pepper", paramLabel = "P", defaultValue = "0",
      description = "Set each value to the clip range's low or high end with probability P.")
  float saltPepper;

  @Option(names = "--corruption-seed", paramLabel = "S", description = "Seed of the corruption (default: the server's).")
  Long corruptionSeed;

  @Option(names = "--clip", split = ",", paramLabel = "MIN,MAX", description = "Clip corrupted values to [MIN, MAX].")
  List<Float> clip;

  @Override
  public void run() {
    float[][] rows = Csv.read(call.input);
    DenoiseRequest.Builder request = DenoiseRequest.newBuilder().setModel(Wire.ref(call.selector()))
        .setInputs(Wire.matrix(rows));
    boolean corrupt = gaussian != 0 || mask != 0 || saltPepper != 0 || clip != null;
    if (corrupt) {
      Corruption.Builder c = Corruption.newBuilder().setGaussianSigma(gaussian).setMaskProbability(mask)
          .setSaltPepperProbability(saltPepper);
      if (corruptionSeed != null) {
        c.setSeed(corruptionSeed);
      }
      if (clip != null) {
        if (clip.size() != 2) {
          throw new CliException("--clip takes MIN,MAX, got " + clip);
        }
        c.setClipMin(clip.get(0)).setClipMax(clip.get(1));
      }
      request.setCorruption(c).setReturnCorrupted(png.wanted());
    } else if (corruptionSeed != null) {
      throw new CliException("--corruption-seed needs a corruption: --gaussian, --mask or --salt-pepper");
    }
    try (AeserveClient client = call.server.connect()) {
      DenoiseResponse r = Wire.call(() -> client.inferenceStub().denoise(request.build()));
      Wire.served(System.err, r.getServedBy());
      if (r.hasCorruptionSeed()) {
        System.err.println("# corruption seed " + Long.toUnsignedString(r.getCorruptionSeed()));
      }
      if (r.getCleanErrorsCount() > 0) {
        double sum = 0;
        for (float e : r.getCleanErrorsList()) {
          sum += e;
        }
        System.err.println("# mean MSE of the output against the clean input " + Wire.format(sum / r.getCleanErrorsCount()));
      }
      float[][] denoised = Wire.rows(r.getOutputs());
      if (png.wanted()) {
        // Clean (as given), corrupted (when the server corrupted them), denoised: one column per row.
        java.util.List<float[][]> groups = new java.util.ArrayList<>();
        groups.add(rows);
        if (r.hasCorrupted() && r.getCorrupted().getRows() > 0) {
          groups.add(Wire.rows(r.getCorrupted()));
        }
        groups.add(denoised);
        png.write(png.shape(client, r.getServedBy()), groups, null);
      }
      Csv.write(System.out, denoised);
    }
  }
}
