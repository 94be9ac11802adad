package dev.aeserve.bench;

import dev.aeserve.autoencoders.EngineKind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@link BenchServer} child process: started (pinned), scraped, measured, and stopped. */
final class ServerProcess implements AutoCloseable {

  /** The server's maximum heap, MiB; the engines' native memory comes on top and is part of the RSS figure. */
  static final int SERVER_HEAP_MIB = 256;
  static final String SERVER_HEAP = "-Xmx" + SERVER_HEAP_MIB + "m";

  /**
   * glibc settings for every server-side JVM the suite starts, as {@code ./aeserve} and the image
   * set them (docs/operations.md, "Environment"): two malloc arenas rather than one per core's
   * worth of threads. A variable the suite itself was started with wins, so a run can measure
   * another setting (e.g. {@code MALLOC_MMAP_THRESHOLD_=131072}, which the server no longer needs:
   * it trims the allocator after unloading versions).
   */
  static final Map<String, String> MALLOC_ENV = Map.of("MALLOC_ARENA_MAX", "2");

  private static final Pattern HEAP_ADDRESS = Pattern.compile("0x([0-9a-f]+)");

  /**
   * How to start it.
   *
   * @param dataDir an embedded registry to start on, or null for a fresh empty one (made inside
   *     this process's scratch directory, and deleted with it)
   * @param preload whether the versions in {@code dataDir} load before the server reports SERVING
   * @param memoryBudgetBytes {@code --model-memory-budget}; 0 for none
   * @param keepLogAs where the server's log is copied when it stops (the run's results folder),
   *     or null to keep none
   */
  record Options(EngineKind engine, Pinning pinning, Path dataDir, boolean preload, long memoryBudgetBytes,
      Path keepLogAs) {
    Options(EngineKind engine, Pinning pinning, Path dataDir, boolean preload, long memoryBudgetBytes) {
      this(engine, pinning, dataDir, preload, memoryBudgetBytes, null);
    }

    static Options fresh(EngineKind engine, Pinning pinning) {
      return new Options(engine, pinning, null, false, 0);
    }

    Options keepingLogAs(Path file) {
      return new Options(engine, pinning, dataDir, preload, memoryBudgetBytes, file);
    }
  }

  private final Process process;
  private final int grpcPort;
  private final int metricsPort;
  private final double dbReadyToServingSeconds;
  private final Cleanup cleanup;
  private final HttpClient http = HttpClient.newHttpClient();

  private ServerProcess(Process process, int grpcPort, int metricsPort, double dbReadyToServingSeconds,
      Cleanup cleanup) {
    this.process = process;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
    this.dbReadyToServingSeconds = dbReadyToServingSeconds;
    this.cleanup = cleanup;
  }

  /**
   * What a started server leaves to clean up, done exactly once: by {@link #close}, by a failed
   * start, or at the suite's exit when neither ran (Ctrl-C, SIGTERM, an error thrown past the try).
   * The child would stop on its own when its stdin closes, but its scratch directory, with a fresh
   * registry's pgdata, would stay behind in /tmp.
   */
  private static final class Cleanup {
    final TempDirectory work;
    final Path database;
    final Path keepLogAs;
    volatile Process process;
    /** Guarded by this object's lock. */
    private boolean done;
    private final ExitCleanup.Step atExit = this::run;

    Cleanup(TempDirectory work, Path database, Path keepLogAs) {
      this.work = work;
      this.database = database;
      this.keepLogAs = keepLogAs;
      ExitCleanup.register(atExit);
    }

    Path log() {
      return work.path().resolve("server.log");
    }

    /**
     * Stops the server and its embedded Postgres, keeps the log (when asked to) and deletes the
     * scratch directory. Returns the kept log, or null when none was kept (or it already ran).
     */
    Path run() throws IOException, InterruptedException {
      // Synchronized: the exit hook, reaching a server its owner is stopping,
      // waits for that to finish before it deletes anything under it.
      synchronized (this) {
        if (done) {
          return null;
        }
        done = true;
        try {
          Process p = process;
          if (p != null) {
            Optional<ProcessHandle> postgres = postmaster(database);
            stop(p);
            // A postmaster that was still starting when the server was told to stop has its pid file now.
            stopPostgres(postgres.isPresent() ? postgres : postmaster(database), database);
          }
          if (keepLogAs != null) {
            // The embedded Postgres's own log beside it: slow statements, lock waits, checkpoints.
            keepLog(database.resolve("postgres.log"),
                keepLogAs.resolveSibling(keepLogAs.getFileName().toString().replaceFirst("\\.log$", "") + ".postgres.log"));
          }
          return keepLog(log(), keepLogAs);
        } finally {
          work.close();
          ExitCleanup.done(atExit);
        }
      }
    }
  }

  /** Starts a server; returns once it is SERVING (port bound, and with preload every routed version loaded). */
  static ServerProcess start(Options o) throws IOException, InterruptedException {
    TempDirectory work = TempDirectory.create("aeserve-bench");
    // A fresh registry lives inside the scratch directory, so cleaning up deletes it with the rest.
    Path database = o.dataDir() != null ? o.dataDir() : work.path().resolve(BenchServer.FRESH_DATABASE);
    Cleanup cleanup;
    try {
      cleanup = new Cleanup(work, database, o.keepLogAs());
    } catch (IllegalStateException shuttingDown) {
      // The suite is exiting (its hooks run): start nothing, leave nothing.
      work.close();
      throw shuttingDown;
    }
    try {
      return start(o, cleanup);
    } catch (IOException | InterruptedException | RuntimeException e) {
      cleanup.run();
      throw e;
    }
  }

  private static ServerProcess start(Options o, Cleanup cleanup) throws IOException, InterruptedException {
    Path portFile = cleanup.work.path().resolve("ports");
    Path log = cleanup.log();
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(javaBin, SERVER_HEAP));
    command.addAll(extraServerOptions());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchServer.class.getName(), portFile.toString(),
        o.engine().name().toLowerCase(Locale.ROOT)));
    command.add(cleanup.database.toString());
    command.add(o.dataDir() == null ? "fresh" : o.preload() ? "preload" : "lazy");
    command.add(Long.toString(o.memoryBudgetBytes()));
    // The server's log goes to a file: many_models reads its cold loads from it, and a failed
    // start points at it.
    ProcessBuilder pb = new ProcessBuilder(o.pinning().server(command))
        .redirectOutput(log.toFile())
        .redirectErrorStream(true);
    MALLOC_ENV.forEach(pb.environment()::putIfAbsent);
    Process p = pb.start();
    cleanup.process = p;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (!Files.exists(portFile)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        String why = p.isAlive() ? "did not listen within 180 s" : "exited with " + p.exitValue() + " before it listened";
        String tail = tail(log);
        Path kept = cleanup.run();
        throw new IllegalStateException("the benchmark server " + why + "; its log: "
            + (kept != null ? kept : "not kept (no results folder given); its last lines:\n" + tail));
      }
      Thread.sleep(20);
    }
    String[] ports = Files.readString(portFile).trim().split(" ");
    return new ServerProcess(p, Integer.parseInt(ports[0]), Integer.parseInt(ports[1]),
        Long.parseLong(ports[2]) / 1e9, cleanup);
  }

  /**
   * JVM options from {@code AESERVE_BENCH_SERVER_OPTS} (split on white space), for diagnosing a
   * server the way the suite runs it, e.g. {@code -XX:NativeMemoryTracking=summary} to split its RSS
   * between the heap and native memory with {@code jcmd PID VM.native_memory}.
   */
  static List<String> extraServerOptions() {
    String opts = System.getenv("AESERVE_BENCH_SERVER_OPTS");
    return opts == null || opts.isBlank() ? List.of() : List.of(opts.trim().split("\\s+"));
  }

  /** Copies the log to {@code keepAs} (creating its folder); returns the copy, or null when there is none. */
  private static Path keepLog(Path log, Path keepAs) throws IOException {
    if (keepAs == null || !Files.exists(log)) {
      return null;
    }
    Files.createDirectories(keepAs.toAbsolutePath().getParent());
    return Files.copy(log, keepAs, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "(no log)";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  /** Closes the server's stdin (it shuts down in order) and waits; kills it if it does not end within 60 s. */
  private static void stop(Process p) throws InterruptedException {
    try {
      p.getOutputStream().close();
    } catch (IOException e) {
      // already gone: nothing to tell it
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /**
   * The embedded Postgres running on {@code database}: the live process named postgres whose pid
   * its data directory's pid file lists; empty when there is none. Read while the server runs: a
   * postmaster removes its pid file before it has quite exited.
   */
  static Optional<ProcessHandle> postmaster(Path database) {
    Path pidFile = database.resolve("pgdata").resolve("postmaster.pid");
    try {
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
          .filter(h -> h.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Makes sure {@code postgres} has exited: the server stops its own on a normal exit, a killed one
   * cannot. Waits for it up to 30 s, then SIGTERM and 30 s more, then SIGKILL; so no postmaster
   * outlives the run and its data directory can be deleted.
   */
  static void stopPostgres(Optional<ProcessHandle> postgres, Path database) throws InterruptedException {
    if (postgres.isEmpty()) {
      return;
    }
    ProcessHandle h = postgres.get();
    if (exited(h, 30)) {
      return;
    }
    System.err.println("stopping the embedded Postgres (pid " + h.pid() + ") a benchmark server left running on "
        + database);
    h.destroy();
    if (!exited(h, 30)) {
      h.destroyForcibly();
      exited(h, 30);
    }
  }

  private static boolean exited(ProcessHandle h, int seconds) throws InterruptedException {
    try {
      h.onExit().get(seconds, TimeUnit.SECONDS);
      return true;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return !h.isAlive();
    }
  }

  int grpcPort() {
    return grpcPort;
  }

  /** Seconds from the embedded database being ready to the server being SERVING. */
  double dbReadyToServingSeconds() {
    return dbReadyToServingSeconds;
  }

  /** The scratch directory (its log, port file, and a fresh registry's data); gone after close. */
  Path scratch() {
    return cleanup.work.path();
  }

  /** The server's log while it runs (inside the scratch directory; copied to keepLogAs on close). */
  Path log() {
    return cleanup.log();
  }

  MetricsSnapshot metrics() throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    return new MetricsSnapshot(r.body());
  }

  /** CPU seconds the server process (with its descendants) has used so far. */
  double cpuSeconds() {
    return CpuTime.tree(process.toHandle());
  }

  /** Resident memory of the server process, in MiB. */
  double rssMib() throws IOException {
    return rssMib(process.pid());
  }

  static double rssMib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    return Double.NaN;
  }

  /**
   * The server's resident memory and the heap's share of it, from one read of
   * {@code /proc/PID/smaps}, so the two are of the same moment: the heap's share is the RSS of the
   * mappings inside the heap's reserved address range, which {@code jcmd PID GC.heap_info} names.
   * The collector touches the heap's pages as traffic allocates, up to {@link #SERVER_HEAP_MIB}, so
   * this says how much of the server's RSS the heap is, and the rest is native (engines, JIT,
   * threads, libraries).
   */
  Resident resident() throws IOException, InterruptedException {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    Process p = new ProcessBuilder(jcmd, Long.toString(process.pid()), "GC.heap_info").redirectErrorStream(true).start();
    String info = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    long[] range = heapRange(info);
    return resident(Files.readAllLines(Path.of("/proc/" + process.pid() + "/smaps")), range[0], range[1]);
  }

  /** Resident memory, all of it and the part inside the heap's range, in MiB. */
  record Resident(double mib, double heapMib) {
    double nativeMib() {
      return mib - heapMib;
    }
  }

  /**
   * The heap's reserved address range from {@code jcmd GC.heap_info}: the lowest and highest
   * address its generations or regions name before the metaspace lines. G1 prints one range for
   * the whole heap; the serial collector (what the JVM picks on one core, as the pinned server
   * has) prints one per generation.
   */
  static long[] heapRange(String heapInfo) throws IOException {
    String heap = heapInfo.split("Metaspace", 2)[0];
    Matcher address = HEAP_ADDRESS.matcher(heap);
    long from = -1;
    long to = -1;
    while (address.find()) {
      long a = Long.parseUnsignedLong(address.group(1), 16);
      from = from < 0 ? a : Math.min(from, a);
      to = Math.max(to, a);
    }
    if (from < 0 || to <= from) {
      throw new IOException("jcmd GC.heap_info named no heap range: " + heapInfo.strip());
    }
    return new long[] {from, to};
  }

  /** What {@code smaps} says is resident: every mapping, and the mappings that lie inside [from, to). */
  static Resident resident(List<String> smaps, long from, long to) {
    long kib = 0;
    long insideKib = 0;
    boolean inside = false;
    for (String line : smaps) {
      int dash = line.indexOf('-');
      int space = line.indexOf(' ');
      if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
        long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
        long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
        inside = start >= from && end <= to;
      } else if (line.startsWith("Rss:")) {
        long rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
        kib += rss;
        insideKib += inside ? rss : 0;
      }
    }
    return new Resident(kib / 1024.0, insideKib / 1024.0);
  }

  /**
   * Stops the server and its embedded Postgres, keeps its log (when asked to), and deletes its
   * scratch directory, a fresh registry's data included.
   */
  @Override
  public void close() throws IOException, InterruptedException {
    cleanup.run();
  }
}
