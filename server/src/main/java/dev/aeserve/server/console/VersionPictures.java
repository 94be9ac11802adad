package dev.aeserve.server.console;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.GoldenBatch;
import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.Interpolation;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Recommendations;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.server.inference.Answers;
import dev.aeserve.server.inference.Inference;
import dev.aeserve.server.inference.Queries;
import dev.aeserve.server.routing.ModelSelector;
import dev.aeserve.server.runtime.VersionMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a version does, drawn from the served version itself: every picture is made of answers
 * from {@link Inference} for that exact version (so it shows what clients get). The inputs are the
 * version's golden batch: held-out rows that training kept with it. Answers for those fixed rows
 * are remembered per version, since a version never changes; seeded samples are not remembered.
 */
final class VersionPictures {

  /** Tiles in the reconstruction grid and the denoising strip. */
  static final int SHOWN = 8;
  static final int TILE_PIXELS = 56;
  private static final int MAX_REMEMBERED = 64;

  /**
   * A version's example rows: the golden batch, with labels for a conditional model (else empty),
   * and what each row is where training knew (its class, or a cvae's condition; else empty).
   */
  record Examples(Matrix rows, List<String> labels, List<String> classes) {
    Examples first(int n) {
      int k = Math.min(n, rows.rows());
      return new Examples(rows.slice(0, k), labels.isEmpty() ? labels : labels.subList(0, k),
          classes.isEmpty() ? classes : classes.subList(0, k));
    }
  }

  private final Inference inference;
  private final ConsoleCalls calls;
  private final Map<String, Answers.Reconstructed> reconstructions = new LinkedHashMap<>();
  private final Map<String, Answers.Encoded> encodings = new LinkedHashMap<>();

  VersionPictures(Inference inference, ConsoleCalls calls) {
    this.inference = inference;
    this.calls = calls;
  }

  static Optional<Examples> examples(ModelVersion v) {
    GoldenBatch golden;
    try {
      golden = VersionMetrics.fromJson(v.metricsJson()).goldenBatch();
    } catch (RuntimeException malformed) {
      return Optional.empty();
    }
    if (golden == null) {
      return Optional.empty();
    }
    List<String> labels = golden.labels() == null ? List.of() : golden.labels();
    // Versions trained before classes were kept: a cvae's conditions still say what each row is.
    List<String> classes = golden.classes() != null ? golden.classes() : labels;
    return Optional.of(new Examples(Matrix.of(golden.rows()), labels, classes));
  }

  private static ModelSelector exact(ModelVersion v) {
    return ModelSelector.version(v.model(), v.version());
  }

  private static String key(ModelVersion v) {
    return v.model() + ":" + v.version();
  }

  /** Reconstruct over the version's examples (every golden row). */
  Answers.Reconstructed reconstruct(ModelVersion v, Examples ex) {
    synchronized (reconstructions) {
      Answers.Reconstructed known = reconstructions.get(key(v));
      if (known != null) {
        return known;
      }
    }
    Answers.Reconstructed r = calls.call(Rpc.RECONSTRUCT,
        c -> inference.reconstruct(exact(v), new Queries.Reconstruct(ex.rows(), ex.labels(), null), c));
    remember(reconstructions, key(v), r);
    return r;
  }

  /** Encode over the version's examples: the means, for the latent map. */
  Answers.Encoded encode(ModelVersion v, Examples ex) {
    synchronized (encodings) {
      Answers.Encoded known = encodings.get(key(v));
      if (known != null) {
        return known;
      }
    }
    Answers.Encoded e = calls.call(Rpc.ENCODE,
        c -> inference.encode(exact(v), new Queries.Encode(ex.rows(), ex.labels(), false, null), c));
    remember(encodings, key(v), e);
    return e;
  }

  private static <T> void remember(Map<String, T> map, String key, T value) {
    synchronized (map) {
      if (map.size() >= MAX_REMEMBERED) {
        map.clear();
      }
      map.put(key, value);
    }
  }

  /** Inputs above their reconstructions, anomalous ones framed in red. */
  byte[] reconstructionGrid(ModelVersion v, AutoencoderSpec spec, ImageShape shape, Examples ex) {
    Answers.Reconstructed r = reconstruct(v, ex);
    int k = Math.min(SHOWN, ex.rows().rows());
    float[][] tiles = new float[2 * k][];
    boolean[] flagged = new boolean[2 * k];
    for (int i = 0; i < k; i++) {
      tiles[i] = ex.rows().row(i);
      tiles[k + i] = r.reconstruction().output().row(i);
      flagged[k + i] = r.anomalous() != null && r.anomalous()[i];
    }
    return grid(shape).png(tiles, k, flagged);
  }

  /** {@code count} seeded draws from the prior; a conditional model cycles through its labels. */
  byte[] sampleGrid(ModelVersion v, AutoencoderSpec spec, ImageShape shape, long seed, float temperature, int count) {
    List<String> labels = cycledLabels(spec, count);
    Answers.Sampled s = calls.call(Rpc.SAMPLE, c -> inference.sample(exact(v),
        new Queries.Sample(count, seed, temperature, labels, null), c));
    return grid(shape).png(s.samples().output().toArray(), SHOWN, null);
  }

  /** The decoded path between the first two examples, in {@code steps} steps. */
  byte[] interpolationStrip(ModelVersion v, AutoencoderSpec spec, ImageShape shape, Examples ex, long seed,
      int steps, Interpolation method) {
    Examples ends = ex.first(2);
    List<String> labels = ends.labels().isEmpty() ? List.of() : List.of(ends.labels().get(0));
    Answers.Sampled s = calls.call(Rpc.SAMPLE, c -> inference.sample(exact(v), new Queries.Sample(0, seed, null,
        labels, new Queries.Interpolate(steps, method, ends.rows(), true)), c));
    return grid(shape).png(s.samples().output().toArray(), steps, null);
  }

  /** Clean examples, the server's seeded corruption of them, and the version's denoised output. */
  byte[] denoisingStrip(ModelVersion v, ImageShape shape, Examples ex, double sigma, long seed) {
    Examples shown = ex.first(SHOWN);
    Corruption corruption = Corruption.gaussian(sigma).withClip(0, 1);
    Answers.Denoised d = calls.call(Rpc.DENOISE, c -> inference.denoise(exact(v),
        new Queries.Denoise(shown.rows(), corruption, seed), c));
    int k = shown.rows().rows();
    float[][] tiles = new float[3 * k][];
    for (int i = 0; i < k; i++) {
      tiles[i] = shown.rows().row(i);
      tiles[k + i] = d.corrupted().row(i);
      tiles[2 * k + i] = d.outputs().row(i);
    }
    return grid(shape).png(tiles, k, null);
  }

  /**
   * The first two principal components of the examples' codes, coloured by class where the training
   * data was labelled (any family), else by reconstruction score, with a legend.
   */
  String latentMap(ModelVersion v, AutoencoderSpec spec, Examples ex) {
    Answers.Encoded e = encode(v, ex);
    double[][] xy = LatentMap.project(e.encoding().mean());
    List<Svg.Point> points = new ArrayList<>();
    boolean byClass = !ex.classes().isEmpty();
    List<String> categories = byClass ? categories(spec, ex.classes()) : List.of();
    float[] scores = null;
    double lo = Double.NaN;
    double hi = Double.NaN;
    if (spec.family().serves(Rpc.RECONSTRUCT)) {
      scores = reconstruct(v, ex).reconstruction().scores();
      lo = Double.POSITIVE_INFINITY;
      hi = Double.NEGATIVE_INFINITY;
      for (float s : scores) {
        lo = Math.min(lo, s);
        hi = Math.max(hi, s);
      }
    }
    for (int i = 0; i < xy.length; i++) {
      String label = byClass ? ex.classes().get(i) : null;
      int category = byClass ? categories.indexOf(label) : 0;
      double shade = scores == null || !(hi > lo) ? 0.5 : (scores[i] - lo) / (hi - lo);
      String title = "row " + i + (label != null ? ", " + label : "")
          + (scores != null ? ", score " + Svg.num(scores[i]) : "");
      points.add(new Svg.Point(xy[i][0], xy[i][1], shade, category, title));
    }
    String what = byClass ? (ex.classes().equals(ex.labels()) ? "condition label" : "class")
        : scores == null ? "" : "score";
    return Svg.scatter(points, categories, lo, hi, what, "principal component 1", "principal component 2");
  }

  /**
   * The legend's order, stable across versions so a class keeps its colour: a cvae's conditions in
   * the spec's order, else numbers numerically and names alphabetically.
   */
  static List<String> categories(AutoencoderSpec spec, List<String> classes) {
    List<String> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(classes));
    if (spec.conditionLabels() != null && spec.conditionLabels().containsAll(distinct)) {
      return spec.conditionLabels().stream().filter(distinct::contains).toList();
    }
    boolean numeric = distinct.stream().allMatch(c -> c.matches("-?\\d{1,9}"));
    distinct.sort(numeric ? java.util.Comparator.comparingInt(Integer::parseInt)
        : java.util.Comparator.<String>naturalOrder());
    return distinct;
  }

  /** The examples' reconstruction scores, with the calibrated threshold when there is one. */
  String scoreHistogram(ModelVersion v, Examples ex) {
    Answers.Reconstructed r = reconstruct(v, ex);
    float[] s = r.reconstruction().scores();
    double[] values = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      values[i] = s[i];
    }
    double threshold = r.calibration() == null ? Double.NaN : r.calibration().threshold();
    String label = r.calibration() == null ? "" : "threshold " + Svg.num(threshold);
    return Svg.histogram(values, 12, threshold, label, r.kind().id() + " score per row");
  }

  /** The history (items with a positive value in the first example row) and its top items. */
  record Recommended(List<Interaction> history, Recommendations top) {}

  Recommended recommend(ModelVersion v, AutoencoderSpec spec, Examples ex, int k) {
    float[] row = ex.rows().row(0);
    List<Interaction> history = new ArrayList<>();
    for (int i = 0; i < row.length && i < spec.itemIds().size(); i++) {
      if (row[i] > 0) {
        history.add(new Interaction(spec.itemIds().get(i), row[i]));
      }
    }
    if (history.isEmpty()) {
      return new Recommended(history, null);
    }
    List<Recommendations> top = calls.call(Rpc.RECOMMEND, c -> inference.recommend(exact(v), new Queries.Recommend(
        List.of(new Queries.User("example", history)), k, true, List.of(), List.of()), c));
    return new Recommended(history, top.get(0));
  }

  private static List<String> cycledLabels(AutoencoderSpec spec, int count) {
    if (!spec.family().conditional() || spec.conditionLabels() == null || spec.conditionLabels().isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(spec.conditionLabels().get(i / Math.max(1, count / spec.conditionLabels().size())
          % spec.conditionLabels().size()));
    }
    return out;
  }

  static ImageGrid grid(ImageShape shape) {
    return new ImageGrid(shape, ImageGrid.scaleFor(shape, TILE_PIXELS));
  }
}
