package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.ImportArtifact;
import dev.aeserve.autoencoders.ImportManifest;
import dev.aeserve.client.AeserveException;
import dev.aeserve.client.DecodeResult;
import dev.aeserve.client.EncodeResult;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.client.ReconstructOptions;
import dev.aeserve.client.ReconstructResult;
import dev.aeserve.client.SampleOptions;
import dev.aeserve.client.SampleResult;
import dev.aeserve.proto.v1.ScoreKind;
import dev.aeserve.proto.v1.VersionInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Versions imported as ONNX encoder/decoder pairs serve through the real server exactly what ONNX
 * Runtime computes for them in Python, and every import a user gets wrong is refused with
 * INVALID_ARGUMENT naming the problem, leaving no version. The graphs and ONNX Runtime's outputs
 * are fixtures made by src/test/python/make_import_fixtures.py (check-import-fixtures regenerates
 * them in the test command and fails on any difference).
 */
class ImportTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double TOLERANCE = 1e-5;
  private static ServerFixture f;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void anImportedAeAnswersEncodeReconstructAndDecodeAsOnnxRuntimeDoes() {
    VersionInfo v = importPair("onnx-ae", "ae", "ae_encoder", "ae_decoder", manifest("ae"));
    JsonNode expected = fixtureJson("ae_expected.json");
    ModelSelector model = ModelSelector.model("onnx-ae");

    EncodeResult encoded = f.client.encode(model, matrix(expected.get("x")));
    assertThat(encoded.servedBy().engine()).isEqualTo("OnnxRuntime");
    assertThat(encoded.servedBy().version()).isEqualTo(v.getVersion());
    assertClose("Encode", encoded.latents(), expected.get("encoded"));

    ReconstructResult reconstructed = f.client.reconstruct(model, matrix(expected.get("x")));
    assertClose("Reconstruct", reconstructed.outputs(), expected.get("reconstructed"));
    for (float s : reconstructed.scores()) {
      assertThat(s).isFinite().isPositive();
    }

    DecodeResult decoded = f.client.decode(model, matrix(expected.get("z")), encoded.latentFingerprint());
    assertClose("Decode", decoded.outputs(), expected.get("decoded"));
  }

  @Test
  void anImportedVaeAnswersMeanLogVarianceReconstructDecodeAndSamples() {
    importPair("onnx-vae", "vae", "vae_encoder", "vae_decoder", manifest("vae"));
    JsonNode expected = fixtureJson("vae_expected.json");
    ModelSelector model = ModelSelector.model("onnx-vae");

    EncodeResult encoded = f.client.encode(model, matrix(expected.get("x")));
    assertClose("Encode mean", encoded.latents(), expected.get("encoded"));
    assertClose("Encode log-variance", encoded.logVariances(), expected.get("logVariance"));
    assertClose("Reconstruct", f.client.reconstruct(model, matrix(expected.get("x"))).outputs(),
        expected.get("reconstructed"));
    assertClose("Decode", f.client.decode(model, matrix(expected.get("z"))).outputs(), expected.get("decoded"));

    ReconstructResult elbo = f.client.reconstruct(model, matrix(expected.get("x")),
        new ReconstructOptions(false, false, ScoreKind.SCORE_KIND_NEGATIVE_ELBO, java.util.List.of()));
    for (float s : elbo.scores()) {
      assertThat(s).isFinite();
    }
    SampleResult samples = f.client.sample(model, SampleOptions.count(3).withSeed(7));
    assertThat(samples.samples()).hasNumberOfRows(3);
    System.out.println("vae: neg_elbo " + Arrays.toString(elbo.scores()) + "; 3 samples decoded, first "
        + Arrays.toString(samples.samples()[0]));
  }

  @Test
  void anImportedMultvaeRecommendsEncodesAndReconstructsAsOnnxRuntimeDoes() {
    VersionInfo v = importPair("onnx-multvae", "multvae", "multvae_encoder", "multvae_decoder", manifest("multvae"));
    JsonNode expected = fixtureJson("multvae_expected.json");
    java.util.List<String> items = new java.util.ArrayList<>();
    fixtureJson("multvae_manifest.json").get("itemIds").forEach(id -> items.add(id.asText()));
    ModelSelector model = ModelSelector.model("onnx-multvae");
    float[][] x = matrix(expected.get("x"));

    EncodeResult encoded = f.client.encode(model, x);
    assertThat(encoded.servedBy().engine()).isEqualTo("OnnxRuntime");
    assertThat(encoded.servedBy().version()).isEqualTo(v.getVersion());
    assertClose("Encode mean", encoded.latents(), expected.get("encoded"));
    assertClose("Encode log-variance", encoded.logVariances(), expected.get("logVariance"));
    assertClose("Reconstruct (softmax of the logits)", f.client.reconstruct(model, x).outputs(),
        expected.get("reconstructed"));

    // Every item, seen ones included: each score is the decoder's logit for that item.
    java.util.List<dev.aeserve.client.UserHistory> users = new java.util.ArrayList<>();
    for (int u = 0; u < x.length; u++) {
      java.util.Map<String, Float> history = new java.util.LinkedHashMap<>();
      for (int i = 0; i < items.size(); i++) {
        if (x[u][i] != 0) {
          history.put(items.get(i), x[u][i]);
        }
      }
      users.add(new dev.aeserve.client.UserHistory("u" + u, history));
    }
    dev.aeserve.client.RecommendResult all = f.client.recommend(model, users,
        dev.aeserve.client.RecommendOptions.top(items.size()).withExcludeSeen(false));
    float[][] logits = new float[x.length][items.size()];
    for (int u = 0; u < x.length; u++) {
      var ranked = all.users().get(u).items();
      assertThat(ranked).as("user " + u + " gets every item").hasSize(items.size());
      for (int r = 0; r < ranked.size(); r++) {
        logits[u][items.indexOf(ranked.get(r).itemId())] = ranked.get(r).score();
        if (r > 0) {
          assertThat(ranked.get(r).score()).as("best first").isLessThanOrEqualTo(ranked.get(r - 1).score());
        }
      }
    }
    assertClose("Recommend scores (item logits)", logits, expected.get("logits"));

    // The default excludes what each user has seen, and ranks the rest as ONNX Runtime's logits do.
    dev.aeserve.client.RecommendResult unseen = f.client.recommend(model, users,
        dev.aeserve.client.RecommendOptions.top(2));
    for (int u = 0; u < x.length; u++) {
      final int user = u;
      java.util.List<String> want = java.util.stream.IntStream.range(0, items.size()).boxed()
          .filter(i -> x[user][i] == 0)
          .sorted((a, b) -> Double.compare(expected.get("logits").get(user).get(b).asDouble(),
              expected.get("logits").get(user).get(a).asDouble()))
          .limit(2).map(items::get).toList();
      assertThat(unseen.users().get(u).items().stream().map(dev.aeserve.client.RecommendResult.ScoredItem::itemId)
          .toList()).as("user " + u + "'s top 2 unseen items").isEqualTo(want);
    }
  }

  @Test
  void importsAUserGetsWrongAreRefusedNamingTheProblemAndLeaveNoVersion() {
    refused("static-batch", "ae", "static_batch_encoder", "ae_decoder", manifest("ae"),
        "encoder input 'x' has a static batch axis of 4");
    refused("wrong-name", "ae", "ae_encoder", "ae_decoder",
        edit(manifest("ae"), m -> ((ObjectNode) m.get("encoder")).put("input", "input")),
        "the encoder graph has no input 'input' (manifest encoder.input); its inputs are [x]");
    refused("wrong-output", "ae", "ae_encoder", "ae_decoder",
        edit(manifest("ae"), m -> ((ObjectNode) m.get("decoder")).put("output", "reconstruction")),
        "the decoder graph has no output 'reconstruction' (manifest decoder.output); its outputs are [x_hat]");
    refused("latent-mismatch", "ae", "ae_encoder", "latent4_decoder", manifest("ae"),
        "takes 4 values per row", "disagree on the latent size");
    refused("double-input", "ae", "double_input_encoder", "ae_decoder", manifest("ae"),
        "encoder input 'x' is", "DOUBLE", "float32");
    refused("fails-on-golden", "ae", "div_encoder", "ae_decoder", manifest("ae"),
        "golden batch row 0 encodes to non-finite values");
    refused("batch-dependent", "ae", "batch_mean_encoder", "ae_decoder", manifest("ae"),
        "the encoder computes row 3 differently alone", "must not depend on the others");
  }

  @Test
  void anImportArtifactUploadedAloneTakesItsSpecAndMetricsFromItsManifest() throws IOException {
    ImportManifest manifest = ImportManifest.fromJson(manifest("ae"));
    byte[] artifact = new ImportArtifact(manifest, fixture("ae_encoder.onnx"), fixture("ae_decoder.onnx")).toBytes();
    f.client.createModel("artifact-alone", "ae", "import test");
    VersionInfo alone = f.client.uploadVersion("artifact-alone", "", "", null, artifact);
    VersionInfo full = importPair("artifact-full", "ae", "ae_encoder", "ae_decoder", manifest("ae"));
    assertThat(AutoencoderSpec.fromJson(alone.getSpecJson())).isEqualTo(AutoencoderSpec.fromJson(full.getSpecJson()));
    assertThat(new ObjectMapper().readTree(alone.getMetricsJson()).path("importedFrom").asText()).isEqualTo("onnx");
    assertThat(new ObjectMapper().readTree(alone.getMetricsJson()).has("goldenBatch")).isTrue();
    float[][] x = {{0.2f, 0.4f, 0.6f, 0.8f, 0.1f, 0.3f}};
    assertThat(f.client.encode(ModelSelector.version("artifact-alone", alone.getVersion()), x).latents())
        .isDeepEqualTo(f.client.encode(ModelSelector.version("artifact-full", full.getVersion()), x).latents());
    // Native weights still need their spec: there is no manifest to take it from.
    f.client.createModel("native-alone", "ae", "import test");
    AeserveException e = org.junit.jupiter.api.Assertions.assertThrows(AeserveException.class,
        () -> f.client.uploadVersion("native-alone", "", "", null, ServerFixture.tinyModel(6, 1).weights()));
    assertThat(e.code()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void theSpecMustAgreeWithTheManifestInsideTheArtifact() {
    ImportManifest manifest = ImportManifest.fromJson(manifest("ae"));
    byte[] artifact = new ImportArtifact(manifest, fixture("ae_encoder.onnx"), fixture("ae_decoder.onnx")).toBytes();
    String spec = edit(manifest.spec().toJson(), s -> ((ObjectNode) s).put("latentDim", 4));
    f.client.createModel("spec-mismatch", "ae", "import test");
    assertInvalid(() -> f.client.uploadVersion("spec-mismatch", spec, manifest.metricsJson(), null, artifact),
        "spec latentDim 4 does not match the import manifest's latentDim 3");
    assertThat(f.client.listVersions("spec-mismatch")).isEmpty();
  }

  @Test
  void anImportedAndANativeVersionShareATrafficSplitWithAShadowComparison() throws InterruptedException {
    f.register("mixed-ae", ServerFixture.tinyModel(6, 1));
    String manifest = edit(manifest("ae"), m -> ((ObjectNode) m).put("score", "mse"));
    ImportManifest m = ImportManifest.fromJson(manifest);
    int imported = f.client.uploadVersion("mixed-ae", m.spec().toJson(), m.metricsJson(), null,
        new ImportArtifact(m, fixture("ae_encoder.onnx"), fixture("ae_decoder.onnx")).toBytes()).getVersion();
    f.client.setTraffic("mixed-ae", java.util.Map.of(1, 100), java.util.Map.of(imported, 100));
    float[][] x = matrix(fixtureJson("ae_expected.json").get("x"));
    // Half the calls ask for mse_mahalanobis, which the native primary computes and the imported
    // shadow cannot (it has no latent density): those copies are compared on MSE, not failed.
    for (int i = 0; i < 4; i++) {
      ReconstructOptions options = i % 2 == 0 ? ReconstructOptions.defaults()
          : ReconstructOptions.defaults().withScoreKind(ScoreKind.SCORE_KIND_MSE_MAHALANOBIS);
      ReconstructResult r = f.client.reconstruct(ModelSelector.model("mixed-ae").withRoutingKey("k" + i), x, options);
      assertThat(r.servedBy().engine()).isEqualTo("MXNet");
      assertThat(r.servedBy().route()).isEqualTo("split");
    }
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
    var comparison = f.client.compareShadow("mixed-ae");
    // Wait until all four sampled copies have ended (their latent distances are recorded last).
    while (comparison.getComparisonsCount() == 0 || comparison.getComparisons(0).getSampled() < 4
        || comparison.getComparisons(0).getSampled() != comparison.getComparisons(0).getCompleted()
            + comparison.getComparisons(0).getFailed() + comparison.getComparisons(0).getShed()) {
      assertThat(System.nanoTime()).as("shadow comparisons ended (a guard against a hang)").isLessThan(deadline);
      Thread.sleep(20); // a poll interval; the verdict is every sampled copy having ended
      comparison = f.client.compareShadow("mixed-ae");
    }
    var c = comparison.getComparisons(0);
    assertThat(c.getPrimaryVersion()).isEqualTo(1);
    assertThat(c.getShadowVersion()).isEqualTo(imported);
    assertThat(c.getFailed()).isZero();
    assertThat(c.getShed()).isZero();
    assertThat(c.getReconstructionErrorDifference().getCount()).isEqualTo(4L * x.length);
    assertThat(c.getLatentDistance().getCount()).isEqualTo(4L * x.length);
    System.out.println("native v1 primary, imported v" + imported + " shadow: " + c.getReconstructionErrorDifference()
        .getCount() + " rows compared, mean reconstruction error difference "
        + c.getReconstructionErrorDifference().getMean() + ", mean latent distance " + c.getLatentDistance().getMean());
  }

  private static VersionInfo importPair(String model, String family, String encoder, String decoder, String manifest) {
    ImportManifest m = ImportManifest.fromJson(manifest);
    byte[] artifact = new ImportArtifact(m, fixture(encoder + ".onnx"), fixture(decoder + ".onnx")).toBytes();
    f.client.createModel(model, family, "import test");
    return f.client.uploadVersion(model, m.spec().toJson(), m.metricsJson(), null, artifact);
  }

  private static void refused(String model, String family, String encoder, String decoder, String manifest,
      String... messageParts) {
    String description = assertInvalid(() -> importPair(model, family, encoder, decoder, manifest), messageParts);
    System.out.println(model + ": INVALID_ARGUMENT " + description);
    assertThat(f.client.listVersions(model)).as(model + " has no version").isEmpty();
  }

  static String assertInvalid(Runnable call, String... messageParts) {
    String[] description = new String[1];
    assertThatThrownBy(call::run)
        .isInstanceOfAny(StatusRuntimeException.class, AeserveException.class)
        .satisfies(e -> {
          Status s = e instanceof AeserveException ae
              ? ((StatusRuntimeException) ae.getCause()).getStatus()
              : ((StatusRuntimeException) e).getStatus();
          assertThat(s.getCode()).as(s.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          for (String part : messageParts) {
            assertThat(s.getDescription()).contains(part);
          }
          description[0] = s.getDescription();
        });
    return description[0];
  }

  static void assertClose(String what, float[][] actual, JsonNode expected) {
    float[][] want = matrix(expected);
    assertThat(actual).as(what).hasNumberOfRows(want.length);
    double worst = 0;
    for (int r = 0; r < want.length; r++) {
      assertThat(actual[r]).as(what + " row " + r).hasSize(want[r].length);
      for (int c = 0; c < want[r].length; c++) {
        assertThat((double) actual[r][c]).as(what + " row " + r + " column " + c).isCloseTo(want[r][c],
            within(TOLERANCE));
        worst = Math.max(worst, Math.abs(actual[r][c] - want[r][c]));
      }
    }
    System.out.printf("%s: %d rows equal the exporter's runtime's within %.1e (largest difference %.2e)%n", what, want.length,
        TOLERANCE, worst);
  }

  static String manifest(String family) {
    return new String(fixture(family + "_manifest.json"), java.nio.charset.StandardCharsets.UTF_8);
  }

  static String edit(String json, Consumer<JsonNode> change) {
    try {
      JsonNode node = JSON.readTree(json);
      change.accept(node);
      return node.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode fixtureJson(String name) {
    try {
      return JSON.readTree(fixture(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] fixture(String name) {
    return resource("/imports/" + name);
  }

  static byte[] resource(String path) {
    try (InputStream in = ImportTest.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("no fixture " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static float[][] matrix(JsonNode rows) {
    float[][] m = new float[rows.size()][];
    for (int r = 0; r < m.length; r++) {
      m[r] = new float[rows.get(r).size()];
      for (int c = 0; c < m[r].length; c++) {
        m[r][c] = (float) rows.get(r).get(c).asDouble();
      }
    }
    return m;
  }
}
