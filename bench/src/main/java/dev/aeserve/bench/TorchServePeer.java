package dev.aeserve.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.Autoencoders;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.WeightsArtifact;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.autoencoders.internal.DenseBlocks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * TorchServe 0.12 as a peer: installed into its own virtual environment on request, serving
 * aeserve's W1-large encoder (the same trained weights, exported as TorchScript) with its own
 * dynamic batching (batch size 64, max delay 2 ms), on loopback, pinned to the server's core, and
 * offline (no model downloads: only the local model store; no system metrics). The suite drives it
 * through TorchServe's gRPC inference API with the same generator as aeserve.
 */
final class TorchServePeer implements AutoCloseable {

  static final String MODEL = "w1-large";
  static final String PREDICTIONS = "org.pytorch.serve.grpc.inference.InferenceAPIsService/Predictions";
  static final int BATCH_SIZE = 64;
  static final int MAX_BATCH_DELAY_MS = 2;

  private final Process process;
  private final int grpcPort;
  private final Path work;

  private TorchServePeer(Process process, int grpcPort, Path work) {
    this.process = process;
    this.grpcPort = grpcPort;
    this.work = work;
  }

  /**
   * Installs the peer (unless {@code python} names an existing environment), exports W1-large as
   * TorchScript and archives it with the batching handler. Returns the model store.
   *
   * @param venv the environment to install into and run from
   */
  static Path prepare(Path peerDir, Path venv, TrainedModel large, Path work) throws IOException, InterruptedException {
    run(List.of(peerDir.resolve("install").toString(), venv.toString()), work, 30);
    exportLayers(large, work);
    run(List.of(venv.resolve("bin/python").toString(), peerDir.resolve("export_w1_large.py").toString(),
        work.toString()), work, 5);
    Path store = Files.createDirectories(work.resolve("model_store"));
    run(List.of(venv.resolve("bin/torch-model-archiver").toString(), "--model-name", MODEL, "--version", "1.0",
        "--serialized-file", work.resolve("w1-large.pt").toString(), "--handler",
        peerDir.resolve("handler.py").toString(), "--export-path", store.toString(), "--force"), work, 5);
    return store;
  }

  /**
   * The encoder's Linear layers, weight (out x in) then bias, as little-endian float32, then 8
   * input rows and the latents aeserve's Encode (PyTorch engine) gives for them, which the export
   * script must reproduce.
   */
  private static void exportLayers(TrainedModel large, Path work) throws IOException {
    int checkRows = 8;
    int[] widths = DenseBlocks.encoderWidths(large.spec());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (NDManager manager = NDManager.newBaseManager()) {
      SequentialBlock encoder = DenseBlocks.encoder(large.spec());
      DenseBlocks.load(encoder, WeightsArtifact.parse(large.weights()).encoder(), "encoder", widths, manager);
      // DJL lists each Linear's weight before its bias, and stores weights as (out, in) like torch.
      for (Pair<String, Parameter> p : encoder.getParameters()) {
        floats(bytes, p.getValue().getArray().toFloatArray());
      }
    }
    Matrix inputs = SyntheticData.manifold(checkRows, widths[0], 11);
    floats(bytes, inputs.data());
    try (Autoencoder model = Autoencoders.load(large.spec(), large.weights(), EngineKind.PYTORCH)) {
      floats(bytes, model.encode(inputs).data());
    }
    Files.write(work.resolve("layers.bin"), bytes.toByteArray());
    StringBuilder w = new StringBuilder();
    for (int x : widths) {
      w.append(w.length() == 0 ? "" : ",").append(x);
    }
    Files.writeString(work.resolve("layers.json"), "{\"widths\": [" + w + "], \"activation\": \""
        + large.spec().activation() + "\", \"check_rows\": " + checkRows + "}");
  }

  private static void floats(ByteArrayOutputStream out, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    out.writeBytes(b.array());
  }

  /** Starts TorchServe with {@code workers} workers and returns once every worker is READY. */
  static TorchServePeer start(Path venv, Path store, int workers, Pinning pinning, Path work)
      throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve("ts-" + workers + "-" + System.nanoTime()));
    int[] ports = freePorts(5);
    String models = String.format(Locale.ROOT, "{\"%s\":{\"1.0\":{\"defaultVersion\":true,\"marName\":\"%s.mar\","
        + "\"minWorkers\":%d,\"maxWorkers\":%d,\"batchSize\":%d,\"maxBatchDelay\":%d,\"responseTimeout\":120}}}",
        MODEL, MODEL, workers, workers, BATCH_SIZE, MAX_BATCH_DELAY_MS);
    String config = String.join("\n",
        "inference_address=http://127.0.0.1:" + ports[0],
        "management_address=http://127.0.0.1:" + ports[1],
        "metrics_address=http://127.0.0.1:" + ports[2],
        "grpc_inference_address=127.0.0.1",
        "grpc_management_address=127.0.0.1",
        "grpc_inference_port=" + ports[3],
        "grpc_management_port=" + ports[4],
        "model_store=" + store,
        "load_models=" + MODEL + ".mar",
        "models=" + models,
        "default_workers_per_model=" + workers,
        // Offline: archives only from the local store, no per-model pip installs, no system metrics.
        "allowed_urls=file://.*",
        "install_py_dep_per_model=false",
        "disable_system_metrics=true",
        "enable_envvars_config=false",
        "disable_token_authorization=true",
        "enable_model_api=false",
        "job_queue_size=4096",
        "vmargs=-Xmx512m",
        "");
    Path props = Files.writeString(dir.resolve("config.properties"), config);
    List<String> command = pinning.server(List.of(venv.resolve("bin/torchserve").toString(), "--start", "--foreground",
        "--ncs", "--disable-token-auth", "--ts-config", props.toString(), "--model-store", store.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(dir.resolve("torchserve.log").toFile()).redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("PATH", venv.resolve("bin") + ":" + Path.of(System.getProperty("java.home"), "bin") + ":"
        + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().put("LOG_LOCATION", dir.resolve("logs").toString());
    pb.environment().put("METRICS_LOCATION", dir.resolve("logs").toString());
    Process p = pb.start();
    TorchServePeer peer = new TorchServePeer(p, ports[3], dir);
    // If the suite is stopped (Ctrl-C), TorchServe's frontend and workers must not outlive it.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      p.toHandle().descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }, "torchserve-peer-stop"));
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (true) {
      if (!p.isAlive()) {
        throw new IllegalStateException("TorchServe exited with " + p.exitValue() + " before it served; its log: "
            + dir.resolve("torchserve.log"));
      }
      try {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[1] + "/models/" + MODEL))
            .timeout(java.time.Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        if (body.split("\"READY\"", -1).length - 1 >= workers) {
          return peer;
        }
      } catch (IOException notYet) {
        // the management API is not listening yet
      }
      if (System.nanoTime() > deadline) {
        peer.close();
        throw new IllegalStateException("TorchServe's workers were not READY within 180 s; its log: "
            + dir.resolve("torchserve.log"));
      }
      Thread.sleep(200);
    }
  }

  int grpcPort() {
    return grpcPort;
  }

  /** CPU seconds of the frontend JVM and its Python workers. */
  double cpuSeconds() {
    return CpuTime.tree(process.toHandle());
  }

  Path work() {
    return work;
  }

  /** A PredictionsRequest for W1-large with one row as raw little-endian float32 in input "data". */
  static byte[] predictionsRequest(float[] row) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4 * row.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(row);
    ByteArrayOutputStream entry = new ByteArrayOutputStream();
    CodedOutputStream e = CodedOutputStream.newInstance(entry);
    e.writeString(1, "data");
    e.writeBytes(2, ByteString.copyFrom(b.array()));
    e.flush();
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    CodedOutputStream r = CodedOutputStream.newInstance(request);
    r.writeString(1, MODEL);
    r.writeBytes(3, ByteString.copyFrom(entry.toByteArray()));
    r.flush();
    return request.toByteArray();
  }

  private static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        held.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return ports;
  }

  private static void run(List<String> command, Path dir, int minutes) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path log = dir.resolve("setup.log");
    Process p = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).redirectErrorStream(true).start();
    if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not finish within " + minutes
          + " minutes; see " + log);
    }
    if (p.exitValue() != 0) {
      List<String> lines = Files.readAllLines(log);
      throw new IllegalStateException(String.join(" ", command) + " failed with " + p.exitValue() + ": "
          + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())) + " (see " + log + ")");
    }
  }

  /** Stops the frontend and its workers: the workers first, then the launcher's tree. */
  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> tree = process.toHandle().descendants().toList();
    for (ProcessHandle h : tree) {
      h.destroy();
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    for (ProcessHandle h : tree) {
      h.onExit().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> {
        h.destroyForcibly();
        return h;
      }).join();
    }
  }
}
