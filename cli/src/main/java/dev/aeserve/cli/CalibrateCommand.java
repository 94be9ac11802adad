package dev.aeserve.cli;

import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Calibrator;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.proto.v1.VersionInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code aeserve calibrate}: scores normal rows through the server and stores the threshold they
 * give as a new version sharing the old one's weights, so an anomaly threshold can move with the
 * data without retraining, and moving {@code @production} to it is an ordinary alias change.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
    description = "Calibrate the anomaly threshold on normal rows; registers a new version sharing the weights.")
final class CalibrateCommand implements Runnable {

  @Parameters(index = "0", paramLabel = "NAME:VERSION", description = "The version to calibrate (NAME@ALIAS works too).")
  String model;

  @Option(names = "--data", required = true, paramLabel = "FILE", description = "Normal rows: IDX images or CSV.")
  Path data;

  @Option(names = {"--labels", "--conditions"}, paramLabel = "FILE", description = "cvae: a condition label per row.")
  Path labels;

  @Option(names = "--max-rows", description = "Use the first N rows only.")
  Integer maxRows;

  @ArgGroup(exclusive = true)
  Method method;

  @Mixin
  ScoreOption score;

  @Mixin
  ServerOption server;

  static final class Method {
    @Option(names = "--percentile", paramLabel = "P", description = "Threshold at the P-th percentile of the scores (default 99).")
    Double percentile;

    @Option(names = "--k-sigma", paramLabel = "K", description = "Threshold at mean + K standard deviations.")
    Double kSigma;
  }

  @Override
  public void run() {
    ModelSelector selector = Wire.selector(model);
    if (selector.version() == null && selector.alias() == null) {
      throw new CliException("name the version to calibrate: NAME:VERSION or NAME@ALIAS");
    }
    Calibrator calibrator;
    try {
      calibrator = method == null ? Calibrator.defaults()
          : method.kSigma != null ? Calibrator.meanKSigma(method.kSigma) : Calibrator.percentile(method.percentile);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage(), e);
    }
    Matrix rows = TrainCommand.read(data, maxRows);
    List<String> conditions = labels == null ? List.of() : LabelFile.read(labels, rows.rows());
    try (AeserveClient client = server.connect()) {
      ServerScoring.Scores scores = ServerScoring.score(client, selector, rows.toArray(), conditions, score.kind());
      Calibration calibration = calibrator.fromScores(scores.values(), ScoreOption.domain(scores.kind()));
      int version = scores.servedBy().getVersion();
      VersionInfo v = client.recalibrate(selector.name(), version, calibration.toJson());
      System.out.println("registered " + v.getModel() + ":" + v.getVersion() + " (weights of version " + version
          + ", sha256 " + v.getArtifactSha256().substring(0, 12) + ")");
      System.out.printf(Locale.ROOT, "calibration: anomalous when %s > %.6f (%s of %s)%n", calibration.scoreKind(),
          calibration.threshold(), calibration.description().replace("held-out rows", "rows"), data);
    }
  }
}
