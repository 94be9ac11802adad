package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.proto.v1.DecodeRequest;
import dev.aeserve.proto.v1.DecodeResponse;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.ReconstructResponse;
import java.nio.file.Path;
import java.util.List;
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
      return Wire.selector(model);
    }
  }

  /** {@code --condition} for cvae models. */
  static final class ConditionOption {
    @Option(names = "--condition", paramLabel = "LABEL", description = "cvae: the condition label for every row.")
    String label;

    List<String> labels() {
      return label == null ? List.of() : List.of(label);
    }
  }

  @Command(name = "encode", mixinStandardHelpOptions = true, description = "x -> z: one latent row per input row.")
  static final class Encode implements Runnable {
    @Mixin
    Call call;

    @Mixin
    ConditionOption condition;

    @Override
    public void run() {
      float[][] rows = Csv.read(call.input);
      try (AeserveClient client = call.server.connect()) {
        EncodeResponse r = Wire.call(() -> client.inferenceStub().encode(EncodeRequest.newBuilder()
            .setModel(Wire.ref(call.selector())).setInputs(Wire.matrix(rows))
            .setCondition(Wire.condition(condition.labels())).build()));
        Wire.served(System.err, r.getServedBy());
        System.err.println("# latent fingerprint " + r.getLatentFingerprint());
        Csv.write(System.out, Wire.rows(r.getLatents()));
      }
    }
  }

  @Command(name = "decode", mixinStandardHelpOptions = true, description = "z -> x': one output row per latent row.")
  static final class Decode implements Runnable {
    @Mixin
    Call call;

    @Mixin
    ConditionOption condition;

    @Option(names = "--fingerprint", description = "Refuse unless the model's latent space has this fingerprint (from encode).")
    String fingerprint;

    @Override
    public void run() {
      float[][] rows = Csv.read(call.input);
      DecodeRequest.Builder request = DecodeRequest.newBuilder().setModel(Wire.ref(call.selector()))
          .setLatents(Wire.matrix(rows)).setCondition(Wire.condition(condition.labels()));
      if (fingerprint != null) {
        request.setLatentFingerprint(fingerprint);
      }
      try (AeserveClient client = call.server.connect()) {
        DecodeResponse r = Wire.call(() -> client.inferenceStub().decode(request.build()));
        Wire.served(System.err, r.getServedBy());
        Csv.write(System.out, Wire.rows(r.getOutputs()));
      }
    }
  }

  @Command(name = "reconstruct", mixinStandardHelpOptions = true,
      description = "x -> x': prints score[,anomalous] per row; --outputs appends the reconstruction.")
  static final class Reconstruct implements Runnable {
    @Mixin
    Call call;

    @Mixin
    ConditionOption condition;

    @Mixin
    ScoreOption score;

    @Option(names = "--outputs", description = "Append the reconstructed values to each row.")
    boolean outputs;

    @Mixin
    PngOption png;

    @Override
    public void run() {
      float[][] rows = Csv.read(call.input);
      try (AeserveClient client = call.server.connect()) {
        ReconstructResponse r = Wire.call(() -> client.inferenceStub().reconstruct(ReconstructRequest.newBuilder()
            .setModel(Wire.ref(call.selector())).setInputs(Wire.matrix(rows)).setOmitOutputs(!outputs && !png.wanted())
            .setScoreKind(score.kind()).setCondition(Wire.condition(condition.labels())).build()));
        Wire.served(System.err, r.getServedBy());
        if (r.hasCalibration()) {
          System.err.println("# anomalous when score > " + r.getCalibration().getThreshold());
        }
        if (png.wanted()) {
          // Inputs above their reconstructions; anomalous ones framed in red.
          boolean[] flagged = new boolean[r.getAnomalousCount()];
          for (int i = 0; i < flagged.length; i++) {
            flagged[i] = r.getAnomalous(i);
          }
          png.write(png.shape(client, r.getServedBy()), java.util.List.of(rows, Wire.rows(r.getOutputs())),
              flagged.length == 0 ? null : flagged);
        }
        float[][] reconstructed = outputs ? Wire.rows(r.getOutputs()) : null;
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < r.getScoresCount(); i++) {
          line.setLength(0);
          line.append(r.getScores(i));
          if (r.getAnomalousCount() > 0) {
            line.append(',').append(r.getAnomalous(i));
          }
          if (reconstructed != null) {
            for (float v : reconstructed[i]) {
              line.append(',').append(v);
            }
          }
          System.out.println(line);
        }
        System.out.flush();
      }
    }
  }
}
