import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.AeserveException;
import dev.aeserve.client.Corruption;
import dev.aeserve.client.DecodeOptions;
import dev.aeserve.client.DecodeResult;
import dev.aeserve.client.DenoiseResult;
import dev.aeserve.client.EncodeOptions;
import dev.aeserve.client.EncodeResult;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.client.RecommendOptions;
import dev.aeserve.client.RecommendResult;
import dev.aeserve.client.ReconstructOptions;
import dev.aeserve.client.ReconstructResult;
import dev.aeserve.client.SampleOptions;
import dev.aeserve.client.SampleResult;
import dev.aeserve.client.UserHistory;
import dev.aeserve.proto.v1.ScoreKind;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The Java client against a running `aeserve demo` server: every RPC, NOT_FOUND, INVALID_ARGUMENT and
 * FAILED_PRECONDITION, the served version, sticky routing; and, with AESERVE_CROSS_OUT, the outputs
 * clients/cross/compare.py compares with the other clients. Run by clients/test-all after the server
 * module is built (clients/java builds before the server, so its own tests cannot start one):
 * java -cp CLASSPATH clients/cross/JavaClientCheck.java. Prints `N passed, N failed`.
 */
public class JavaClientCheck {

  private static int passed;
  private static int failed;

  interface Check {
    void run() throws Exception;
  }

  static void check(String name, Check c) {
    try {
      c.run();
      passed++;
      System.out.println("ok   " + name);
    } catch (Throwable t) {
      failed++;
      System.out.println("FAIL " + name + ": " + t);
    }
  }

  static void require(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }

  static void expectCode(Status.Code code, Runnable call) {
    try {
      call.run();
    } catch (AeserveException e) {
      require(e.code() == code, "expected " + code + ", got " + e.getMessage());
      return;
    }
    throw new AssertionError("expected " + code + ", the call succeeded");
  }

  static float[][] csv(Path file) throws Exception {
    return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).map(l -> {
      String[] parts = l.split(",");
      float[] row = new float[parts.length];
      for (int i = 0; i < parts.length; i++) {
        row[i] = Float.parseFloat(parts[i]);
      }
      return row;
    }).toArray(float[][]::new);
  }

  static Map<String, Float> history(Path dir) throws Exception {
    Map<String, Float> h = new LinkedHashMap<>();
    for (String l : Files.readAllLines(dir.resolve("history.csv"))) {
      if (!l.isBlank()) {
        h.put(l.split(",")[0], Float.parseFloat(l.split(",")[1]));
      }
    }
    return h;
  }

  public static void main(String[] args) throws Exception {
    String target = System.getenv("AESERVE_TARGET");
    Path dir = Path.of(System.getenv("AESERVE_DEMO_DIR"));
    float[][] x = csv(dir.resolve("demo-ae.csv"));
    try (AeserveClient client = AeserveClient.builder(target).actor("java-check").deadline(Duration.ofSeconds(30))
        .build()) {
      check("encode/decode with served version and fingerprint", () -> {
        EncodeResult enc = client.encode(ModelSelector.parse("demo-ae@production"), x);
        require(enc.latents().length == 5 && enc.latents()[0].length == 4, "latent shape");
        require(enc.servedBy().version() == 1 && enc.servedBy().route().equals("alias"), "served " + enc.servedBy());
        DecodeResult dec = client.decode(ModelSelector.version("demo-ae", 1), enc.latents(),
            DecodeOptions.defaults().withFingerprint(enc.latentFingerprint()));
        require(dec.outputs().length == 5 && dec.outputs()[0].length == 64, "decode shape");
        String other = client.encode(ModelSelector.parse("demo-vae:1"), x).latentFingerprint();
        expectCode(Status.Code.FAILED_PRECONDITION, () -> client.decode(ModelSelector.parse("demo-ae:1"), enc.latents(), other));
      });
      check("reconstruct with feature errors, and the stream", () -> {
        ReconstructResult r = client.reconstruct(ModelSelector.parse("demo-ae:1"), x,
            ReconstructOptions.defaults().withFeatureErrors().withScoreKind(ScoreKind.SCORE_KIND_MSE));
        require(r.scores().length == 5 && r.featureErrors().length == 5, "reconstruct");
        // Without a score kind the version scores with its default, the one it was calibrated on.
        ReconstructResult whole = client.reconstruct(ModelSelector.parse("demo-ae:1"), x, ReconstructOptions.defaults());
        require(whole.calibrated(), "reconstruct with the default score is calibrated");
        List<ReconstructResult> windows = client.reconstructStream(ModelSelector.parse("demo-ae:1"),
            List.of(Arrays.copyOfRange(x, 0, 2), Arrays.copyOfRange(x, 2, 5)), ReconstructOptions.defaults());
        require(windows.size() == 2 && Math.abs(windows.get(1).scores()[2] - whole.scores()[4]) < 1e-6, "stream");
      });
      check("vae: seeded encode sample, sample, temperature, interpolation", () -> {
        EncodeResult e = client.encode(ModelSelector.model("demo-vae"), csv(dir.resolve("demo-vae.csv")),
            EncodeOptions.defaults().withSample(11L));
        require(e.seed().getAsLong() == 11 && e.samples().length == 5 && e.logVariances().length == 5, "vae encode");
        SampleResult a = client.sample(ModelSelector.model("demo-vae"), SampleOptions.count(3).withSeed(7));
        SampleResult b = client.sample(ModelSelector.model("demo-vae"), SampleOptions.count(3).withSeed(7).withTemperature(1f));
        require(a.seed() == 7 && Arrays.deepEquals(a.samples(), b.samples()), "same seed, same samples");
        SampleResult path = client.sample(ModelSelector.model("demo-vae"), SampleOptions.interpolate(
            SampleOptions.Interpolation.betweenInputs(csv(dir.resolve("demo-vae-endpoints.csv")), 4, true)));
        require(path.samples().length == 4, "interpolation steps");
        SampleResult c = client.sample(ModelSelector.model("demo-cvae"), SampleOptions.count(2).withSeed(1).withCondition("2"));
        require(c.samples()[0].length == 32, "cvae width");
      });
      check("denoise with server-side corruption", () -> {
        DenoiseResult d = client.denoise(ModelSelector.model("demo-dae"), csv(dir.resolve("demo-dae.csv")),
            Corruption.gaussian(0.2f).withSeed(5).withClip(0, 1), true);
        require(d.corruptionSeed().getAsLong() == 5 && d.corrupted().length == 5 && d.cleanErrors().length == 5,
            "denoise");
      });
      check("recommend reports unknown items", () -> {
        Map<String, Float> h = new LinkedHashMap<>(history(dir));
        h.put("nope", 1f);
        RecommendResult r = client.recommend(ModelSelector.model("demo-autorec"), List.of(new UserHistory("u", h)),
            RecommendOptions.top(5));
        require(r.users().get(0).items().size() == 5 && r.users().get(0).unknownItems().equals(List.of("nope")),
            "recommend " + r.users());
      });
      check("NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION", () -> {
        expectCode(Status.Code.NOT_FOUND, () -> client.encode(ModelSelector.model("no-such-model"), x));
        expectCode(Status.Code.NOT_FOUND, () -> client.encode(ModelSelector.version("demo-ae", 99), x));
        expectCode(Status.Code.INVALID_ARGUMENT, () -> client.encode(ModelSelector.model("demo-ae"), new float[][] {{1, 2}}));
        expectCode(Status.Code.FAILED_PRECONDITION, () -> client.sample(ModelSelector.model("demo-ae"), SampleOptions.count(1)));
      });
      check("rollouts and registry reads", () -> {
        require(client.getTraffic("demo-ae").getPrimariesCount() == 2, "split set by setup_split.py");
        require(client.getVersion("demo-ae", "production").getVersion() == 1, "production alias");
      });
      Map<String, Integer> routing = new LinkedHashMap<>();
      check("the same routing key lands on the same version", () -> {
        // The split's salt is drawn at random when it is set, so which arm a key lands on is a coin flip
        // per key: with 20 keys all on one arm 1 run in 2^19 (1.9e-6); with 64 keys 1 in 2^63 (1.1e-19).
        for (int i = 0; i < 64; i++) {
          String key = "user-" + i;
          int v = client.encode(ModelSelector.model("demo-ae").withRoutingKey(key), Arrays.copyOf(x, 1)).servedBy().version();
          int again = client.encode(ModelSelector.model("demo-ae").withRoutingKey(key), Arrays.copyOf(x, 1)).servedBy().version();
          require(v == again, key + " moved from " + v + " to " + again);
          routing.put(key, v);
        }
        require(routing.values().stream().distinct().count() == 2, "keys reached " + routing.values());
      });
      String out = System.getenv("AESERVE_CROSS_OUT");
      if (out != null && !out.isEmpty()) {
        check("cross-language outputs written", () -> {
          ModelSelector ae = ModelSelector.version("demo-ae", 1);
          EncodeResult enc = client.encode(ae, x);
          ReconstructResult rec = client.reconstruct(ae, x);
          DecodeResult dec = client.decode(ae, enc.latents());
          SampleResult smp = client.sample(ModelSelector.version("demo-vae", 1), SampleOptions.count(3).withSeed(7));
          RecommendResult recs = client.recommend(ModelSelector.version("demo-autorec", 1),
              List.of(new UserHistory("u", history(dir))), RecommendOptions.top(5));
          StringJoiner items = new StringJoiner(",", "[", "]");
          recs.users().get(0).items().forEach(i -> items.add("[\"" + i.itemId() + "\"," + i.score() + "]"));
          StringJoiner keys = new StringJoiner(",", "{", "}");
          routing.forEach((k, v) -> keys.add("\"" + k + "\":" + v));
          String json = "{\"client\":\"java\""
              + ",\"encode_latents\":" + json(enc.latents())
              + ",\"encode_version\":" + enc.servedBy().version()
              + ",\"latent_fingerprint\":\"" + enc.latentFingerprint() + "\""
              + ",\"reconstruct_outputs\":" + json(rec.outputs())
              + ",\"reconstruct_scores\":" + json(rec.scores())
              + ",\"decode_outputs\":" + json(dec.outputs())
              + ",\"sample_samples\":" + json(smp.samples())
              + ",\"recommend_items\":" + items
              + ",\"routing\":" + keys + "}";
          Files.writeString(Path.of(out, "java.json"), json);
        });
      }
    }
    System.out.println(passed + " passed, " + failed + " failed");
    System.exit(failed == 0 ? 0 : 1);
  }

  static String json(float[] row) {
    StringJoiner j = new StringJoiner(",", "[", "]");
    for (float v : row) {
      j.add(Float.toString(v));
    }
    return j.toString();
  }

  static String json(float[][] rows) {
    List<String> out = new ArrayList<>();
    for (float[] r : rows) {
      out.add(json(r));
    }
    return "[" + String.join(",", out) + "]";
  }
}
