package dev.aeserve.autoencoders.internal;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.ComputeLimits;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.Denoising;
import dev.aeserve.autoencoders.Encoding;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.InputValidation;
import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.Interpolation;
import dev.aeserve.autoencoders.InvalidInputException;
import dev.aeserve.autoencoders.ItemVocabulary;
import dev.aeserve.autoencoders.LatentSampler;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Ranking;
import dev.aeserve.autoencoders.RecommendOptions;
import dev.aeserve.autoencoders.Recommendations;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.Samples;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.autoencoders.ScoredItem;
import dev.aeserve.autoencoders.WeightsArtifact;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Any family's autoencoder over an {@link EncoderDecoder} on a DJL engine: native blocks (MXNet,
 * PyTorch) or an imported ONNX pair (ONNX Runtime). The engine computes; everything
 * family-specific around it (conditions, splitting mean and log-variance, sampling, softmax,
 * scores, ranking) happens in Java, identically whatever the engine.
 *
 * <p>Threading: calls hold the read side of a read-write lock and {@link #close} the write side,
 * so closing waits for calls in flight and later calls fail cleanly instead of touching freed
 * native memory. The engine side is safe for concurrent calls (see {@link NativeBlocks} for
 * MXNet's lock).
 */
public final class DjlAutoencoder implements Autoencoder {
  /**
   * Rows per engine call when decoding for Sample. MKL's GEMM (MXNet) picks kernels by the
   * number of rows, so a row decoded among 45 can differ in the last bit from the same row
   * decoded among 5 (measured: 6e-8). Sample therefore decodes in zero-padded blocks of exactly
   * this many rows, so a request's bytes depend only on its own rows, whatever else is computed.
   */
  public static final int SAMPLE_BLOCK_ROWS = 32;

  private final AutoencoderSpec spec;
  private final EngineKind engine;
  private final EncoderDecoder graphs;
  private final ItemVocabulary vocabulary;
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;

  /** A version computing on {@code graphs}, which it owns from now on (close releases them). */
  public DjlAutoencoder(AutoencoderSpec spec, EngineKind engine, EncoderDecoder graphs) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.engine = Objects.requireNonNull(engine, "engine");
    this.graphs = Objects.requireNonNull(graphs, "graphs");
    this.vocabulary = spec.family().recommender() ? ItemVocabulary.of(spec) : null;
  }

  /** Builds the blocks for {@code spec} on {@code engine} and loads the artifact into them. */
  public static DjlAutoencoder load(AutoencoderSpec spec, WeightsArtifact artifact, EngineKind engine) {
    return load(spec, artifact, engine, ComputeDevice.CPU);
  }

  /** Likewise, with the model's parameters and every call's arrays on {@code device}. */
  public static DjlAutoencoder load(AutoencoderSpec spec, WeightsArtifact artifact, EngineKind engine,
      ComputeDevice device) {
    return new DjlAutoencoder(spec, engine, NativeBlocks.load(spec, artifact, engine, device));
  }

  @Override
  public AutoencoderSpec spec() {
    return spec;
  }

  @Override
  public EngineKind engine() {
    return engine;
  }

  @Override
  public Encoding encode(Matrix x, Conditions conditions, Long sampleSeed) {
    spec.family().requireServes(Rpc.ENCODE);
    requireInput(x);
    int[] c = resolve(conditions, x.rows());
    if (sampleSeed != null && !spec.family().variational()) {
      throw new InvalidInputException("family '" + spec.family().id()
          + "' is deterministic: it has no posterior to sample z from");
    }
    Matrix h = runEncoder(x, c);
    requireFinite(h, "input row %d encodes to non-finite values: the input is outside what the encoder maps to "
        + "finite values");
    if (!spec.family().variational()) {
      return new Encoding(h, null, null);
    }
    Matrix[] parts = split(h);
    Matrix sample = null;
    if (sampleSeed != null) {
      Matrix eps = LatentSampler.sample(x.rows(), spec.latentDim(), sampleSeed, 1.0);
      float[] s = new float[eps.data().length];
      for (int i = 0; i < s.length; i++) {
        s[i] = (float) (parts[0].data()[i] + Math.exp(0.5 * parts[1].data()[i]) * eps.data()[i]);
      }
      sample = new Matrix(x.rows(), spec.latentDim(), s);
      requireFinite(sample, "input row %d has a posterior too wide to sample a finite z from");
    }
    return new Encoding(parts[0], parts[1], sample);
  }

  @Override
  public Matrix decode(Matrix z, Conditions conditions) {
    spec.family().requireServes(Rpc.DECODE);
    InputValidation.requireLatent(spec, z);
    return requireFinite(decodeChecked(z, resolve(conditions, z.rows())), "latent row %d decodes to non-finite "
        + "values: the latents are outside what the decoder maps to finite values");
  }

  @Override
  public Reconstruction reconstruct(Matrix x, ScoreKind kind, Conditions conditions) {
    spec.family().requireServes(Rpc.RECONSTRUCT);
    ScoreKind score = kind == null ? spec.defaultScoreKind() : kind;
    if (score == ScoreKind.NEG_ELBO && !spec.family().variational()) {
      throw new InvalidInputException("score neg_elbo needs a variational family (vae, cvae, multvae); family '"
          + spec.family().id() + "' scores mse or bce");
    }
    if (score == ScoreKind.BCE && spec.family() == Family.AUTOREC) {
      throw new InvalidInputException("autorec predicts ratings: it scores mse over observed ratings");
    }
    requireInput(x);
    int[] c = resolve(conditions, x.rows());
    if (!spec.canScore(score)) {
      throw new InvalidInputException("score " + score.id() + " needs a version trained with a latent density "
          + "(trained by this release); this one scores " + spec.defaultScoreKind().id() + ", mse or bce");
    }
    Reconstruction r = Scores.score(spec, x, forward(x, c, score == ScoreKind.MSE_MAHALANOBIS), score);
    String outside = "input row %d reconstructs to non-finite values: the row is outside what the model maps to "
        + "finite values (see the version's input domain)";
    requireFinite(new Matrix(r.scores().length, 1, r.scores()), outside);
    requireFinite(r.output(), outside);
    return r;
  }

  @Override
  public Samples sample(int count, long seed, double temperature, Conditions conditions) {
    spec.family().requireServes(Rpc.SAMPLE);
    Matrix z = LatentSampler.sample(count, spec.latentDim(), seed, temperature);
    int[] c = resolve(conditions, count);
    return new Samples(z, requireFinite(decodeInBlocks(z, c), "sample %d decodes to non-finite values: temperature "
        + temperature + " is outside what the decoder maps to finite values"), seed);
  }

  @Override
  public Samples interpolateLatents(float[] from, float[] to, int steps, Interpolation kind, Conditions conditions) {
    spec.family().requireServes(Rpc.SAMPLE);
    Objects.requireNonNull(kind, "kind");
    requireEndpoint(from, spec.latentDim(), "latent", "latentDim");
    requireEndpoint(to, spec.latentDim(), "latent", "latentDim");
    for (int i = 0; i < from.length; i++) {
      if (!ComputeLimits.latentInRange(from[i]) || !ComputeLimits.latentInRange(to[i])) {
        throw new InvalidInputException("interpolation endpoint column " + i + " is "
            + (ComputeLimits.latentInRange(from[i]) ? to[i] : from[i]) + "; " + InputValidation.LATENT_RANGE);
      }
    }
    Matrix path = kind.path(from, to, steps);
    return new Samples(path, decodePath(path, conditions), 0);
  }

  @Override
  public Samples interpolateInputs(float[] from, float[] to, int steps, Interpolation kind, Conditions conditions) {
    spec.family().requireServes(Rpc.SAMPLE);
    Objects.requireNonNull(kind, "kind");
    requireEndpoint(from, spec.inputDim(), "input", "inputDim");
    requireEndpoint(to, spec.inputDim(), "input", "inputDim");
    float[] both = new float[2 * spec.inputDim()];
    System.arraycopy(from, 0, both, 0, from.length);
    System.arraycopy(to, 0, both, from.length, to.length);
    Matrix x = new Matrix(2, spec.inputDim(), both);
    requireInput(x);
    Matrix h = runEncoder(x, resolve(conditions, 2));
    Matrix z = spec.family().variational() ? split(h)[0] : h;
    requireFinite(z, "interpolation endpoint %d encodes to non-finite values: it is outside what the encoder maps "
        + "to finite values");
    Matrix path = kind.path(z.row(0), z.row(1), steps);
    return new Samples(path, decodePath(path, conditions), 0);
  }

  private Matrix decodePath(Matrix path, Conditions conditions) {
    return requireFinite(decodeInBlocks(path, resolve(conditions, path.rows())), "interpolation step %d decodes to "
        + "non-finite values: the endpoints are outside what the decoder maps to finite values");
  }

  @Override
  public Matrix denoise(Matrix noisy) {
    spec.family().requireServes(Rpc.DENOISE);
    requireInput(noisy);
    return requireFinite(forward(noisy, null).output, DENOISED);
  }

  @Override
  public Denoising denoise(Matrix clean, Corruption corruption, long seed) {
    spec.family().requireServes(Rpc.DENOISE);
    Objects.requireNonNull(corruption, "corruption");
    requireInput(clean);
    Matrix corrupted = corruption.apply(clean, seed);
    return new Denoising(corrupted, requireFinite(forward(corrupted, null).output, DENOISED));
  }

  @Override
  public Matrix scoreItems(Matrix interactions) {
    spec.family().requireServes(Rpc.RECOMMEND);
    requireInput(interactions);
    return requireFinite(forward(interactions, null).raw, "interaction row %d scores non-finite: its values are "
        + "outside what the model maps to finite values");
  }

  /**
   * Linear in what the request carries: ids are looked up once each, the shared candidate and
   * excluded sets are resolved once for all users, each user costs its history plus one top-k
   * pass over the items (O(items log k)), and unknown ids are reported through an
   * {@link UnknownItemReport} instead of being merged into every user's list.
   */
  @Override
  public List<Recommendations> recommend(List<List<Interaction>> users, RecommendOptions options) {
    spec.family().requireServes(Rpc.RECOMMEND);
    Objects.requireNonNull(options, "options");
    ComputeLimits.requireRecommendUsers(users == null ? 0 : users.size());
    int items = vocabulary.size();
    List<String> sharedUnknown = new ArrayList<>();
    int[] candidates = options.candidates().isEmpty() ? null
        : vocabulary.indices(options.candidates(), sharedUnknown);
    boolean[] excluded = new boolean[items];
    for (int i : vocabulary.indices(options.excluded(), sharedUnknown)) {
      excluded[i] = true;
    }
    UnknownItemReport unknown = new UnknownItemReport(sharedUnknown);
    float[] rows = new float[users.size() * items];
    List<ItemVocabulary.HistoryRow> histories = new ArrayList<>(users.size());
    for (int u = 0; u < users.size(); u++) {
      ItemVocabulary.HistoryRow h = vocabulary.row(u, users.get(u));
      System.arraycopy(h.values(), 0, rows, u * items, items);
      histories.add(h);
    }
    Matrix scores = scoreItems(new Matrix(users.size(), items, rows));
    List<Recommendations> out = new ArrayList<>(users.size());
    for (int u = 0; u < users.size(); u++) {
      ItemVocabulary.HistoryRow history = histories.get(u);
      // The shared mask gains this user's seen items for one ranking and loses them after,
      // so a user costs its history, not a fresh mask of every item.
      int[] seen = options.excludeSeen() ? history.seen() : new int[0];
      int[] added = new int[seen.length];
      int addedCount = 0;
      for (int i : seen) {
        if (!excluded[i]) {
          excluded[i] = true;
          added[addedCount++] = i;
        }
      }
      float[] userScores = scores.row(u);
      int[] top = candidates != null && candidates.length == 0 ? new int[0]
          : Ranking.topK(userScores, options.k(), excluded, candidates);
      for (int a = 0; a < addedCount; a++) {
        excluded[added[a]] = false;
      }
      List<ScoredItem> ranked = new ArrayList<>(top.length);
      for (int i : top) {
        ranked.add(new ScoredItem(vocabulary.id(i), userScores[i]));
      }
      List<String> historyUnknown = history.unknownItemIds();
      out.add(new Recommendations(ranked, unknown.reported(historyUnknown), unknown.count(historyUnknown)));
    }
    return out;
  }

  private static final String DENOISED = "input row %d denoises to non-finite values: the input is outside what "
      + "the model maps to finite values";

  /**
   * Refuses an output holding a value that is not finite, naming the first such row in
   * {@code message} (a format with one %d). A finite input can still overflow float32 inside the
   * blocks; answering OK with Infinity would hand the caller garbage as if it were a result.
   */
  private static Matrix requireFinite(Matrix out, String message) {
    float[] d = out.data();
    for (int i = 0; i < d.length; i++) {
      if (!Float.isFinite(d[i])) {
        throw new InvalidInputException(String.format(Locale.ROOT, message, i / Math.max(1, out.cols())));
      }
    }
    return out;
  }

  /** The forward pass of Reconstruct, Denoise and Recommend. */
  private Forward forward(Matrix x, int[] c) {
    return forward(x, c, false);
  }

  /** @param withCode keep a deterministic family's code too (one engine call per block then) */
  private Forward forward(Matrix x, int[] c, boolean withCode) {
    Matrix mean;
    Matrix logVar = null;
    Matrix raw;
    if (!withCode && !spec.family().variational() && spec.conditionCount() == 0) {
      float[] input = Inputs.encoderInput(spec, x.data(), x.rows(), c);
      int cols = Architecture.of(spec).encoderInputWidth();
      float[] out = compute(() -> graphs.encodeThenDecode(input, x.rows(), cols, spec.latentDim()));
      raw = new Matrix(x.rows(), spec.inputDim(), out);
      mean = null;
    } else {
      Matrix h = runEncoder(x, c);
      Matrix[] parts = spec.family().variational() ? split(h) : new Matrix[] {h, null};
      mean = parts[0];
      logVar = parts[1];
      raw = runDecoder(mean, c);
    }
    return new Forward(raw, postprocess(raw), mean, logVar);
  }

  /** Raw decoder output (logits for multvae, standardized space elsewhere), output in input units, posterior. */
  record Forward(Matrix raw, Matrix output, Matrix mean, Matrix logVariance) {}

  private Matrix decodeChecked(Matrix z, int[] c) {
    return postprocess(runDecoder(z, c));
  }

  /** Decodes in fixed-shape blocks of {@link #SAMPLE_BLOCK_ROWS} rows, the last one zero-padded. */
  private Matrix decodeInBlocks(Matrix z, int[] c) {
    int latent = z.cols();
    float[] out = new float[z.rows() * spec.inputDim()];
    for (int from = 0; from < z.rows(); from += SAMPLE_BLOCK_ROWS) {
      int n = Math.min(SAMPLE_BLOCK_ROWS, z.rows() - from);
      float[] block = new float[SAMPLE_BLOCK_ROWS * latent];
      System.arraycopy(z.data(), from * latent, block, 0, n * latent);
      int[] blockConditions = null;
      if (c != null) {
        blockConditions = new int[SAMPLE_BLOCK_ROWS];
        System.arraycopy(c, from, blockConditions, 0, n);
      }
      Matrix decoded = decodeChecked(new Matrix(SAMPLE_BLOCK_ROWS, latent, block), blockConditions);
      System.arraycopy(decoded.data(), 0, out, from * spec.inputDim(), n * spec.inputDim());
    }
    return new Matrix(z.rows(), spec.inputDim(), out);
  }

  private Matrix runEncoder(Matrix x, int[] c) {
    float[] input = Inputs.encoderInput(spec, x.data(), x.rows(), c);
    float[] h = compute(() -> graphs.encode(input, x.rows(), Architecture.of(spec).encoderInputWidth()));
    return new Matrix(x.rows(), spec.encoderOutputDim(), h);
  }

  private Matrix runDecoder(Matrix z, int[] c) {
    float[] input = Inputs.decoderInput(spec, z.data(), z.rows(), c);
    float[] out = compute(() -> graphs.decode(input, z.rows(), Architecture.of(spec).decoderInputWidth()));
    return new Matrix(z.rows(), spec.inputDim(), out);
  }

  /** Decoder output to input units: undo standardization; multvae's logits become probabilities. */
  private Matrix postprocess(Matrix raw) {
    float[] data = raw.data().clone();
    if (spec.family() == Family.MULTVAE) {
      Scores.softmaxRowsInPlace(data, raw.rows(), raw.cols());
    } else if (spec.standardization() != null) {
      spec.standardization().undoInPlace(data);
    }
    return new Matrix(raw.rows(), raw.cols(), data);
  }

  private Matrix[] split(Matrix h) {
    int latent = spec.latentDim();
    float[] mean = new float[h.rows() * latent];
    float[] logVar = new float[h.rows() * latent];
    for (int r = 0; r < h.rows(); r++) {
      System.arraycopy(h.data(), r * 2 * latent, mean, r * latent, latent);
      System.arraycopy(h.data(), r * 2 * latent + latent, logVar, r * latent, latent);
    }
    return new Matrix[] {new Matrix(h.rows(), latent, mean), new Matrix(h.rows(), latent, logVar)};
  }

  private int[] resolve(Conditions conditions, int rows) {
    return Objects.requireNonNull(conditions, "conditions").resolve(spec, rows);
  }

  private void requireInput(Matrix x) {
    InputValidation.requireInput(spec, x);
    if (spec.family() == Family.MULTVAE) {
      float[] d = x.data();
      for (int i = 0; i < d.length; i++) {
        if (d[i] < 0) {
          throw new InvalidInputException("input row " + (i / x.cols()) + ", column " + (i % x.cols()) + " is "
              + d[i] + "; multvae takes interaction counts >= 0");
        }
      }
    }
  }

  private static void requireEndpoint(float[] row, int width, String what, String field) {
    Objects.requireNonNull(row, what);
    if (row.length != width) {
      throw new InvalidInputException("interpolation endpoint has " + row.length + " values, the model expects "
          + width + " (" + field + ")");
    }
    for (int i = 0; i < row.length; i++) {
      if (!Float.isFinite(row[i])) {
        throw new InvalidInputException("interpolation endpoint column " + i + " is " + row[i]
            + "; values must be finite");
      }
    }
  }

  private float[] compute(Supplier<float[]> call) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("model is closed");
      }
      return call.get();
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        graphs.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}
