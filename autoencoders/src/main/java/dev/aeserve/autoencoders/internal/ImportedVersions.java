package dev.aeserve.autoencoders.internal;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.ImportArtifact;
import dev.aeserve.autoencoders.ImportManifest;
import dev.aeserve.autoencoders.IncompatibleWeightsException;
import dev.aeserve.autoencoders.InputDomain;
import dev.aeserve.autoencoders.Matrix;
import java.util.Locale;
import java.util.Random;

/**
 * Loads an imported version and proves it serves before anyone calls it: after the graphs pass
 * their static checks ({@link OnnxGraphs} for ONNX, {@link TorchScriptGraphs} for TorchScript), the manifest's golden batch (or rows generated inside
 * the input domain) runs through the encoder and decoder, alone and as one batch. A graph that
 * fails, answers non-finite values, or computes a row differently depending on the other rows in
 * its batch (which batching would expose to callers) is refused, naming what happened.
 */
public final class ImportedVersions {
  /** Rows generated when the manifest has no golden batch. */
  static final int GENERATED_ROWS = 8;
  /** How far a row computed alone may differ from the same row computed among others. */
  static final double BATCH_TOLERANCE = 1e-4;

  private ImportedVersions() {}

  public static DjlAutoencoder load(AutoencoderSpec spec, ImportArtifact artifact) {
    ImportManifest manifest = artifact.manifest();
    manifest.requireMatches(spec);
    boolean onnx = manifest.format().equals(ImportManifest.ONNX);
    EncoderDecoder graphs = onnx ? OnnxGraphs.load(artifact) : TorchScriptGraphs.load(artifact);
    DjlAutoencoder model = new DjlAutoencoder(spec, onnx ? EngineKind.ONNX_RUNTIME : EngineKind.PYTORCH, graphs);
    try {
      probe(spec, manifest, graphs);
      return model;
    } catch (RuntimeException | Error e) {
      model.close();
      throw e;
    }
  }

  private static void probe(AutoencoderSpec spec, ImportManifest manifest, EncoderDecoder graphs) {
    boolean golden = manifest.goldenBatch() != null;
    Matrix rows = golden ? manifest.goldenBatch().matrix() : generated(spec);
    if (rows.cols() != spec.inputDim()) {
      throw new IncompatibleWeightsException("the manifest's goldenBatch rows have " + rows.cols()
          + " values, inputDim is " + spec.inputDim());
    }
    String source = golden ? "golden batch row" : "generated row (inside the input domain)";
    int n = rows.rows();
    int latent = spec.latentDim();
    int encoded = spec.encoderOutputDim();
    float[] input = Inputs.encoderInput(spec, rows.data(), n, null);
    float[] h = graphs.encode(input, n, spec.inputDim());
    requireFinite(h, encoded, source, "encodes to non-finite values (encoder outputs "
        + manifest.encoderOutputs() + ")");
    float[] z = new float[n * latent];
    for (int r = 0; r < n; r++) {
      System.arraycopy(h, r * encoded, z, r * latent, latent);
    }
    float[] out = graphs.decode(z, n, latent);
    requireFinite(out, spec.inputDim(), source, "decodes to non-finite values (decoder output '"
        + manifest.decoderOutput() + "')");
    if (n > 1) {
      float[] lastAlone;
      try {
        lastAlone = graphs.encode(java.util.Arrays.copyOfRange(input, (n - 1) * spec.inputDim(),
            n * spec.inputDim()), 1, spec.inputDim());
      } catch (IncompatibleWeightsException e) {
        // The rows ran as a batch of n but one row alone does not: the batch size was fixed at export.
        throw new IncompatibleWeightsException("the encoder ran a batch of " + n + " rows but fails on 1 row, so its "
            + "batch axis is static: save it so that any number of rows runs (aeserve batches callers' rows "
            + "together): " + e.getMessage(), e);
      }
      requireSameRow(lastAlone, h, n - 1, encoded, "encoder");
      float[] decodedAlone = graphs.decode(java.util.Arrays.copyOfRange(z, (n - 1) * latent, n * latent), 1, latent);
      requireSameRow(decodedAlone, out, n - 1, spec.inputDim(), "decoder");
    }
  }

  private static void requireFinite(float[] values, int width, String source, String what) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IncompatibleWeightsException("the " + source + " " + (i / width) + " " + what
            + "; an accepted import must serve its golden batch");
      }
    }
  }

  private static void requireSameRow(float[] alone, float[] batch, int row, int width, String which) {
    for (int c = 0; c < width; c++) {
      double a = alone[c];
      double b = batch[row * width + c];
      if (Math.abs(a - b) > BATCH_TOLERANCE * Math.max(1, Math.abs(b))) {
        throw new IncompatibleWeightsException(String.format(Locale.ROOT, "the %s computes row %d differently alone "
            + "(%s) than in a batch of %d (%s) at column %d: each row must not depend on the others, because "
            + "aeserve batches callers' rows together", which, row, a, row + 1, b, c));
      }
    }
  }

  /** Seeded rows inside the spec's input domain: uniform between bounds, normal where unbounded. */
  static Matrix generated(AutoencoderSpec spec) {
    InputDomain domain = spec.domain();
    Random random = new Random(20240614L);
    int width = spec.inputDim();
    float[] data = new float[GENERATED_ROWS * width];
    for (int r = 0; r < GENERATED_ROWS; r++) {
      for (int c = 0; c < width; c++) {
        Float lo = domain.lower() == null ? null : domain.lower()[c];
        Float hi = domain.upper() == null ? null : domain.upper()[c];
        double v;
        if (lo != null && hi != null) {
          v = lo + random.nextDouble() * (hi - lo);
        } else if (lo != null) {
          v = lo + Math.abs(random.nextGaussian());
        } else if (hi != null) {
          v = hi - Math.abs(random.nextGaussian());
        } else {
          v = random.nextGaussian();
        }
        data[r * width + c] = (float) v;
      }
    }
    return new Matrix(GENERATED_ROWS, width, data);
  }
}
