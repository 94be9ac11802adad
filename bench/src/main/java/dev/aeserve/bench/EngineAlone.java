package dev.aeserve.bench;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Autoencoders;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.data.SyntheticData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The engine alone, in a process of its own started on the server's core: rows/s of Encode at a
 * given batch size, with no server around it. serving_efficiency divides the server's rows/s by
 * this, both on one core.
 *
 * <p>Usage (child): {@code EngineAlone ENGINE SPEC_FILE WEIGHTS_FILE BATCH_ROWS SECONDS}; prints rows/s.
 */
public final class EngineAlone {

  private EngineAlone() {}

  public static void main(String[] args) throws IOException {
    EngineKind engine = EngineKind.parse(args[0]);
    AutoencoderSpec spec = AutoencoderSpec.fromJson(Files.readString(Path.of(args[1])));
    byte[] weights = Files.readAllBytes(Path.of(args[2]));
    int batchRows = Integer.parseInt(args[3]);
    long nanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
    Matrix batch = SyntheticData.manifold(batchRows, spec.inputDim(), 5);
    try (Autoencoder model = Autoencoders.load(spec, weights, engine)) {
      long warmEnd = System.nanoTime() + Math.min(nanos / 4, TimeUnit.SECONDS.toNanos(2));
      while (System.nanoTime() < warmEnd) {
        model.encode(batch);
      }
      long rows = 0;
      long start = System.nanoTime();
      long end = start + nanos;
      while (System.nanoTime() < end) {
        model.encode(batch);
        rows += batchRows;
      }
      System.out.printf(Locale.ROOT, "rows_per_s %.1f%n", rows / ((System.nanoTime() - start) / 1e9));
    }
  }

  /** Runs it as a child on the server's core and returns its rows/s. */
  static double rowsPerSecond(EngineKind engine, TrainedModel m, int batchRows, Duration measure, Pinning pinning)
      throws IOException, InterruptedException {
    try (TempDirectory scratch = TempDirectory.create("aeserve-engine-alone")) {
      return rowsPerSecond(engine, m, batchRows, measure, pinning, scratch.path());
    }
  }

  private static double rowsPerSecond(EngineKind engine, TrainedModel m, int batchRows, Duration measure,
      Pinning pinning, Path dir) throws IOException, InterruptedException {
    Path spec = Files.writeString(dir.resolve("spec.json"), m.spec().toJson());
    Path weights = Files.write(dir.resolve("weights.bin"), m.weights());
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(javaBin, ServerProcess.SERVER_HEAP, "-cp",
        System.getProperty("java.class.path"), EngineAlone.class.getName(), engine.name().toLowerCase(Locale.ROOT),
        spec.toString(), weights.toString(), Integer.toString(batchRows), Long.toString(Math.max(1, measure.toSeconds()))));
    ProcessBuilder pb = new ProcessBuilder(pinning.server(command)).redirectErrorStream(true);
    ServerProcess.MALLOC_ENV.forEach(pb.environment()::putIfAbsent);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("the engine-alone run failed: " + out);
    }
    for (String line : out.split("\n")) {
      if (line.startsWith("rows_per_s ")) {
        return Double.parseDouble(line.substring("rows_per_s ".length()).trim());
      }
    }
    throw new IllegalStateException("the engine-alone run printed no rows_per_s: " + out);
  }
}
