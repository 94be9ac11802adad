package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingMetrics;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.Matrix;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.PostgresApiTokens;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.RegistryEvent;
import dev.aeserve.registry.TokenScope;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.security.AuthMode;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The web console over HTTP, on a real server with authentication on: its pages, its pictures
 * (drawn through the serving path and counted under the console's own metric), and its actions
 * (refused without a token and then changing nothing; with one, served by the gRPC API and audited
 * under the token's name).
 */
class ConsoleTest {

  private static final int WIDTH = 64; // an 8 x 8 picture per row

  private Database database;
  private PostgresModelRegistry registry;
  private PostgresApiTokens tokens;
  private AeServer server;
  private ManagedChannel channel;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void start() {
    database = TestPostgres.openFreshDatabase();
    registry = new PostgresModelRegistry(database);
    tokens = new PostgresApiTokens(database);
    String name = InProcessServerBuilder.generateName();
    ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(false).withConsolePort(0)
        .withSecurity(ServerConfig.defaults().security().withAuth(AuthMode.REQUIRED));
    server = AeServer.start(InProcessServerBuilder.forName(name).directExecutor(), registry, tokens, config);
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    TrainedModel first = ServerFixture.tinyModel(WIDTH, 11);
    TrainedModel second = ServerFixture.tinyModel(WIDTH, 12);
    registry.createModel("pictured", "ae", "console test model", "test");
    // The held-out rows' mean score as the threshold: the golden batch passes warm-up (its mean is
    // under it) and the rows above the mean are flagged.
    String calibration = new Calibration(first.metrics().goldenBatch().meanScore() * 1.0001, "mse", "percentile", 50,
        32).toJson();
    registry.createVersion(new NewVersion("pictured", first.spec().toJson(), first.metrics().toJson(), calibration,
        null, first.weights(), null), "test");
    registry.createVersion(new NewVersion("pictured", second.spec().toJson(), second.metrics().toJson(), null,
        null, second.weights(), null), "test");
    registry.promote("pictured", 1, "production", "test");
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
    registry.close();
    database.close();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.consolePort() + path);
  }

  private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private String page(String path) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = get(path);
    assertThat(r.statusCode()).as("GET " + path + ": " + new String(r.body())).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    return new String(r.body());
  }

  private HttpResponse<String> post(String path, String form, String... headers) throws IOException,
      InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static BufferedImage png(HttpResponse<byte[]> r) throws IOException {
    assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("image/png");
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.body()));
    assertThat(img).as("a decodable PNG").isNotNull();
    return img;
  }

  @Test
  void pagesShowTheRegistryAndLinkToEachOther() throws Exception {
    String models = page("/");
    assertThat(models).contains("href=\"/models/pictured\"", "@production → 1", "console test model");
    String model = page("/models/pictured");
    assertThat(model).contains("href=\"/models/pictured/versions/1\"", "href=\"/models/pictured/versions/2\"",
        "split <a href=\"/models/pictured/versions/1\">v1</a> 100%");
    String version = page("/models/pictured/versions/1");
    assertThat(version).contains("READY", "sha256:" + registry.getVersion("pictured", 1).artifactSha256(),
        "threshold <b>", "src=\"/models/pictured/versions/1/reconstructions.png\"",
        "src=\"/models/pictured/versions/1/latent-map.svg\"", "anomalous");
    assertThat(page("/rollouts")).contains("id=\"pictured\"", "promote", "Sign in with a token")
        .doesNotContain("<button>Promote</button>"); // read-only without a token
    assertThat(page("/serving")).contains("/serving/figures");
    assertThat(get("/models/nobody").statusCode()).isEqualTo(404);
    assertThat(get("/models/pictured/versions/x").statusCode()).isEqualTo(400);
  }

  @Test
  void picturesAreRealImagesDrawnThroughTheServingPathAndCountedAsTheConsoles() throws Exception {
    BufferedImage grid = png(get("/models/pictured/versions/1/reconstructions.png"));
    // 8 inputs above their 8 reconstructions, 8 x 8 pixels scaled by 7, 4 pixels apart.
    assertThat(grid.getWidth()).isEqualTo(4 + 8 * (8 * 7 + 4));
    assertThat(grid.getHeight()).isEqualTo(4 + 2 * (8 * 7 + 4));
    // Reconstructions flagged anomalous are framed in red, as many as the page's table flags.
    int framed = 0;
    for (int i = 0; i < 8; i++) {
      assertThat(grid.getRGB(4 + i * 60 - 1, 3) & 0xffffff).as("inputs are never framed").isNotEqualTo(0xd92d20);
      framed += (grid.getRGB(4 + i * 60 - 1, 64 - 1) & 0xffffff) == 0xd92d20 ? 1 : 0;
    }
    String table = page("/models/pictured/versions/1");
    int flagged = table.split("<span class=\"bad\">anomalous</span>", -1).length - 1;
    assertThat(framed).isEqualTo(flagged).isBetween(1, 7);
    String map = new String(get("/models/pictured/versions/1/latent-map.svg").body());
    assertThat(map).startsWith("<svg").contains("<circle");
    assertThat(map.split("<circle", -1)).hasSizeGreaterThan(8);
    assertThat(new String(get("/models/pictured/versions/1/scores.svg").body())).contains("threshold ");
    // A dense ae has no prior: its sample grid is refused as the gRPC API refuses it.
    assertThat(get("/models/pictured/versions/1/samples.png").statusCode()).isEqualTo(409);

    String metrics = server.metrics().scrape();
    assertThat(metrics).containsPattern(
        "aeserve_console_requests_total\\{code=\"OK\",model=\"pictured\",rpc=\"reconstruct\",version=\"1\"} 1");
    assertThat(metrics).containsPattern(
        "aeserve_console_requests_total\\{code=\"OK\",model=\"pictured\",rpc=\"encode\",version=\"1\"} 1");
    assertThat(metrics).containsPattern(
        "aeserve_console_requests_total\\{code=\"FAILED_PRECONDITION\",model=\"pictured\",rpc=\"sample\",version=\"1\"} 1");
    // ...through the lanes (a batch was computed), and not counted as client traffic.
    assertThat(metrics).containsPattern("aeserve_batch_rows_count\\{model=\"pictured\",rpc=\"reconstruct\",version=\"1\"} 1");
    assertThat(metrics).doesNotContain("aeserve_requests_total{code=\"OK\",model=\"pictured\"");
    // Queue depth is exported (nothing waits once the answers are in), and the serving page reads it.
    assertThat(metrics).containsPattern("aeserve_queue_rows\\{model=\"pictured\",rpc=\"reconstruct\",version=\"1\"} 0");
    assertThat(page("/serving/figures")).contains("queued rows", "href=\"/models/pictured/versions/1\"");
  }

  @Test
  void anActionWithoutATokenIsRefusedAndChangesNothing() throws Exception {
    List<RegistryEvent> before = registry.events(Optional.of("pictured"), 100);
    HttpResponse<String> anonymous = post("/models/pictured/promote", "version=2&alias=production");
    assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
    assertThat(anonymous.body()).contains("UNAUTHENTICATED", "bearer token");

    String reader = tokens.create("dashboard", EnumSet.of(TokenScope.REGISTRY_READ, TokenScope.INFER)).secret();
    HttpResponse<String> readOnly = post("/models/pictured/promote", "version=2", "Authorization", "Bearer " + reader);
    assertThat(readOnly.statusCode()).as(readOnly.body()).isEqualTo(403);
    assertThat(readOnly.body()).contains("PERMISSION_DENIED", "registry:write");
    HttpResponse<String> viaCookie = post("/models/pictured/rollback", "",
        "Cookie", "aeserve_console_token=" + reader);
    assertThat(viaCookie.statusCode()).isEqualTo(403);
    // A form posted from another site is refused even with a token that could act.
    String writer = tokens.create("release-bot", EnumSet.of(TokenScope.REGISTRY_WRITE)).secret();
    HttpResponse<String> crossSite = post("/models/pictured/promote", "version=2", "Authorization",
        "Bearer " + writer, "Origin", "http://elsewhere.example");
    assertThat(crossSite.statusCode()).as(crossSite.body()).isEqualTo(403);

    assertThat(registry.traffic("pictured").orElseThrow().primaries()).singleElement()
        .satisfies(a -> assertThat(a.version()).isEqualTo(1));
    assertThat(registry.resolveAlias("pictured", "production")).isEqualTo(1);
    assertThat(registry.events(Optional.of("pictured"), 100)).isEqualTo(before);
  }

  @Test
  void aPromoteWithATokenIsServedByTheGrpcApiAndAuditedUnderTheTokensName() throws Exception {
    String writer = tokens.create("release-bot", EnumSet.of(TokenScope.REGISTRY_WRITE)).secret();
    String caller = tokens.create("product", EnumSet.of(TokenScope.INFER)).secret();
    assertThat(encodeServedBy(caller)).isEqualTo(1);

    // Signing in checks the token and keeps it in a cookie; the action then runs as its name.
    HttpResponse<String> signIn = post("/signin", "token=" + writer);
    assertThat(signIn.statusCode()).isEqualTo(303);
    String cookie = signIn.headers().firstValue("set-cookie").orElseThrow();
    assertThat(cookie).contains("HttpOnly", "SameSite=Strict");
    String session = cookie.substring(0, cookie.indexOf(';'));
    assertThat(get("/rollouts").statusCode()).isEqualTo(200);
    HttpResponse<String> promote = post("/models/pictured/promote", "version=2&alias=production", "Cookie", session);
    assertThat(promote.statusCode()).as(promote.body()).isEqualTo(303);
    assertThat(promote.headers().firstValue("location")).hasValue("/rollouts#pictured");

    assertThat(awaitServedBy(caller, 2)).as("the version a gRPC call reaches after the console's promote").isEqualTo(2);
    assertThat(registry.resolveAlias("pictured", "production")).isEqualTo(2);
    RegistryEvent promoted = registry.events(Optional.of("pictured"), 1).get(0);
    assertThat(promoted.action()).isEqualTo("promote");
    assertThat(promoted.actor()).isEqualTo("release-bot");
    assertThat(promoted.version()).isEqualTo(2);

    // A bearer header works as well (scripts), and the rollback is audited the same way.
    HttpResponse<String> rollback = post("/models/pictured/rollback", "", "Authorization", "Bearer " + writer);
    assertThat(rollback.statusCode()).as(rollback.body()).isEqualTo(303);
    assertThat(awaitServedBy(caller, 1)).isEqualTo(1);
    assertThat(registry.events(Optional.of("pictured"), 1).get(0)).satisfies(e -> {
      assertThat(e.action()).isEqualTo("rollback");
      assertThat(e.actor()).isEqualTo("release-bot");
    });
    assertThat(page("/rollouts")).contains("release-bot", "rollback");
  }

  @Test
  void aTrainedVersionCarriesOneLossPerEpochAndItsPageDrawsTheCurves() throws Exception {
    TrainingMetrics m = ServerFixture.tinyModel(WIDTH, 11).metrics();
    assertThat(m.epochs()).isEqualTo(5);
    assertThat(m.trainLossCurve()).hasSize(m.epochs()).allSatisfy(l -> assertThat(l).isFinite().isPositive());
    assertThat(m.heldOutLossCurve()).hasSize(m.epochs()).allSatisfy(l -> assertThat(l).isFinite().isPositive());
    assertThat(m.trainLossCurve().get(m.epochs() - 1)).isEqualTo(m.finalTrainLoss());
    // Read back from the registry, as the page does.
    assertThat(TrainingMetrics.fromJson(registry.getVersion("pictured", 1).metricsJson()).trainLossCurve())
        .isEqualTo(m.trainLossCurve());

    String version = page("/models/pictured/versions/1");
    String curves = version.substring(version.indexOf("id=\"curves\""), version.indexOf("<h2>What it does"));
    assertThat(curves).contains("<svg", "training loss", "held-out loss", "epoch").doesNotContain("No curves");
    // One marker per epoch and series, each titled with its value.
    assertThat(curves.split("<title>training loss, epoch ", -1)).hasSize(m.epochs() + 1);
    assertThat(curves.split("<title>held-out loss, epoch ", -1)).hasSize(m.epochs() + 1);
    for (int epoch = 1; epoch <= m.epochs(); epoch++) {
      java.util.regex.Matcher shown = java.util.regex.Pattern.compile("<title>held-out loss, epoch " + epoch
          + ": ([^<]+)</title>").matcher(curves);
      assertThat(shown.find()).isTrue();
      assertThat(Double.parseDouble(shown.group(1))).isCloseTo(m.heldOutLossCurve().get(epoch - 1),
          org.assertj.core.data.Percentage.withPercentage(0.1));
    }

    // A version trained before curves were recorded: its metrics lack them, and the page says so.
    TrainedModel old = ServerFixture.tinyModel(WIDTH, 13);
    com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(old.metrics().toJson());
    json.remove(List.of("trainLossCurve", "heldOutLossCurve"));
    registry.createVersion(new NewVersion("pictured", old.spec().toJson(), json.toString(), null, null, old.weights(),
        null), "test");
    String older = page("/models/pictured/versions/3");
    assertThat(older).contains("No curves recorded for this version").doesNotContain("<title>training loss");
  }

  @Test
  void theLatentMapIsColouredByClassWhereTheTrainingDataWasLabelled() throws Exception {
    // Two labelled clusters, as a labelled image set (Fashion-MNIST's classes) gives them.
    dev.aeserve.autoencoders.Matrix a = dev.aeserve.autoencoders.data.SyntheticData.manifold(150, WIDTH, 21);
    dev.aeserve.autoencoders.Matrix b = dev.aeserve.autoencoders.data.SyntheticData.manifold(150, WIDTH, 22);
    float[] values = new float[300 * WIDTH];
    System.arraycopy(a.data(), 0, values, 0, a.data().length);
    System.arraycopy(b.data(), 0, values, a.data().length, b.data().length);
    List<String> classes = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      classes.add(i < 150 ? "Sneaker" : "Ankle boot");
    }
    TrainedModel labelled = new dev.aeserve.autoencoders.AutoencoderTrainer(
        new dev.aeserve.autoencoders.TrainingConfig(3, 32, 1e-2f, 0.2, 5, dev.aeserve.autoencoders.EngineKind.MXNET))
        .train(dev.aeserve.autoencoders.AutoencoderSpec.dense(WIDTH, List.of(12), 3, "sigmoid", "mse"),
            new dev.aeserve.autoencoders.Matrix(300, WIDTH, values), dev.aeserve.autoencoders.Conditions.NONE, classes,
            dev.aeserve.autoencoders.TrainingProgress.NONE);
    List<String> kept = labelled.metrics().goldenBatch().classes();
    assertThat(kept).hasSize(labelled.metrics().goldenBatch().rows().length).containsOnly("Sneaker", "Ankle boot")
        .contains("Sneaker", "Ankle boot");
    registry.createModel("labelled", "ae", "labelled rows", "test");
    registry.createVersion(new NewVersion("labelled", labelled.spec().toJson(), labelled.metrics().toJson(), null,
        null, labelled.weights(), null), "test");
    registry.promote("labelled", 1, "production", "test");

    String map = new String(get("/models/labelled/versions/1/latent-map.svg").body());
    // The legend names each class in a stable order (alphabetical), each with its own colour...
    assertThat(map).contains("colour: class", ">Ankle boot<", ">Sneaker<");
    assertThat(map.indexOf(">Ankle boot<")).isLessThan(map.indexOf(">Sneaker<"));
    // ...and every point of a class wears that colour.
    for (int i = 0; i < kept.size(); i++) {
      String colour = kept.get(i).equals("Ankle boot") ? "#1f77b4" : "#ff7f0e";
      assertThat(map).containsPattern("fill=\"" + colour + "\"[^>]*><title>row " + i + ", " + kept.get(i) + ",");
    }
    // Without labels, the map is shaded by score, and its legend says so.
    String unlabelled = new String(get("/models/pictured/versions/1/latent-map.svg").body());
    assertThat(unlabelled).contains("colour: score", "(high)", "(low)").doesNotContain("colour: class");
  }

  /**
   * The version gRPC calls reach once the server has taken in the routing change: servers route
   * from their last-known state, which the registry's change feed (LISTEN/NOTIFY) refreshes moments
   * after the commit. Calls until {@code expected} serves or 10 seconds pass; returns the last.
   */
  private int awaitServedBy(String secret, int expected) {
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    int served = encodeServedBy(secret);
    while (served != expected && System.nanoTime() < until) {
      served = encodeServedBy(secret);
    }
    return served;
  }

  private int encodeServedBy(String secret) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + secret);
    Matrix.Builder rows = Matrix.newBuilder().setRows(1).setCols(WIDTH);
    for (int i = 0; i < WIDTH; i++) {
      rows.addValues(0.5f);
    }
    EncodeResponse r = AutoencoderGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .encode(EncodeRequest.newBuilder().setModel(ModelRef.newBuilder().setName("pictured")).setInputs(rows).build());
    return r.getServedBy().getVersion();
  }
}
