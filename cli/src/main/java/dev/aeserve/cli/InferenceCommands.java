package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.DecodeResult;
import dev.aeserve.client.EncodeResult;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.client.ReconstructResult;
import dev.aeserve.client.ServedVersion;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aeserve encode|decode|reconstruct}: CSV rows in, CSV rows out on standard output. Which
 * version served the call goes to standard error, so the output stays pure CSV.
 */
final class InferenceCommands {

  private InferenceCommands() {}

  /** Options every inference command takes. */
  static final class Call {
    @Option(names = "--model", required = true, paramLabel = "NAME[:VERSION|@ALIAS]",
        description = "Model to call: NAME (its routing), NAME:VERSION or NAME@ALIAS.")
    String model;

    @Option(names = "--input", required = true, paramLabel = "FILE.csv", description = "Input rows as CSV; - for stdin.")
    Path input;

    @Mixin
    ServerOption server;

    ModelSelector selector() {
      return ModelSelector.parse(model);
    }
  }

  static void served(ServedVersion s) {
    System.err.println("# served by " + s.model() + ":" + s.version() + " (" + s.route()
        + (s.alias().isEmpty() ? "" : " " + s.alias()) + ", " + s.family() + ", " + s.engine() + ")");
  }

  @Command(name = "encode", mixinStandardHelpOptions = true, description = "x -> z: one latent row per input row.")
  static final class Encode implements Runnable {
    @Mixin
    Call call;

    @Override
    public void run() {
      float[][] rows = Csv.read(call.input);
      try (AeserveClient client = call.server.connect()) {
        EncodeResult r = client.encode(call.selector(), rows);
        served(r.servedBy());
        System.err.println("# latent fingerprint " + r.latentFingerprint());
        Csv.write(System.out, r.latents());
      }
    }
  }

  @Command(name = "decode", mixinStandardHelpOptions = true, description = "z -> x': one output row per latent row.")
  static final class Decode implements Runnable {
    @Mixin
    Call call;

    @Option(names = "--fingerprint", description = "Refuse unless the model's latent space has this fingerprint (from encode).")
    String fingerprint;

    @Override
    public void run() {
      float[][] rows = Csv.read(call.input);
      try (AeserveClient client = call.server.connect()) {
        DecodeResult r = client.decode(call.selector(), rows, fingerprint);
        served(r.servedBy());
        Csv.write(System.out, r.outputs());
      }
    }
  }

  @Command(name = "reconstruct", mixinStandardHelpOptions = true,
      description = "x -> x': prints score[,anomalous] per row; --outputs appends the reconstruction.")
  static final class Reconstruct implements Runnable {
    @Mixin
    Call call;

    @Option(names = "--outputs", description = "Append the reconstructed values to each row.")
    boolean outputs;

    @Override
    public void run() {
      float[][] rows = Csv.read(call.input);
      try (AeserveClient client = call.server.connect()) {
        ReconstructResult r = client.reconstruct(call.selector(), rows);
        served(r.servedBy());
        r.threshold().ifPresent(t -> System.err.println("# anomalous when score > " + t));
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < r.scores().length; i++) {
          line.setLength(0);
          line.append(r.scores()[i]);
          if (r.calibrated()) {
            line.append(',').append(r.anomalous()[i]);
          }
          if (outputs) {
            for (float v : r.outputs()[i]) {
              line.append(',').append(v);
            }
          }
          System.out.println(line);
        }
      }
    }
  }
}
