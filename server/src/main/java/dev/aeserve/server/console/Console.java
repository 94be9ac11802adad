package dev.aeserve.server.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.server.InvalidRequestException;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.inference.Inference;
import dev.aeserve.server.metrics.ServingMetrics;
import dev.aeserve.server.rollout.QualityGates;
import dev.aeserve.server.rollout.Rollouts;
import dev.aeserve.server.rollout.ShadowComparisons;
import dev.aeserve.server.security.BearerTokens;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console: pages rendered on the server, on a port of their own, over the same domain
 * services the gRPC adapters use (the registry, {@link Inference}, {@link Rollouts}, the serving
 * metrics), never SQL of its own. Pages are open and read-only; actions need a token when
 * authentication is on ({@link ConsoleAccess}). Owns its HTTP server and the threads that serve it.
 *
 * <pre>
 * GET  /                                    models
 * GET  /models/M                            a model: versions, aliases, route
 * GET  /models/M/versions/V                 a version, with its pictures
 * GET  /models/M/versions/V/PICTURE         reconstructions.png samples.png interpolation.png denoising.png
 *                                           latent-map.svg scores.svg
 * GET  /rollouts                            splits, shadows, gates, audit log, action forms
 * GET  /serving, /serving/figures           live serving figures (page, table)
 * POST /models/M/{promote,rollback,traffic,alias}
 * GET|POST /signin, POST /signout
 * </pre>
 */
public final class Console implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Console.class);
  static final int THREADS = 4;

  /** What the console reads and acts through; {@code tokens} is null when authentication is off. */
  public record Services(ModelRegistry registry, Inference inference, ServingMetrics metrics, Rollouts rollouts,
      ShadowComparisons comparisons, QualityGates gates, Supplier<Set<String>> loadedVersions, BearerTokens tokens) {}

  private final HttpServer http;
  private final ExecutorService threads;
  private final ConsoleAccess access;
  private final ModelsPage models;
  private final VersionPage versions;
  private final RolloutsPage rollouts;
  private final RolloutActions actions;
  private final ServingPage serving;

  private Console(HttpServer http, ExecutorService threads, Services s) {
    this.http = http;
    this.threads = threads;
    this.access = new ConsoleAccess(s.tokens());
    this.models = new ModelsPage(s.registry());
    this.versions = new VersionPage(s.registry(),
        new VersionPictures(s.inference(), new ConsoleCalls(s.metrics(), Ticker.SYSTEM)));
    this.rollouts = new RolloutsPage(s.registry(), s.comparisons(), s.gates());
    this.actions = new RolloutActions(s.rollouts(), access);
    this.serving = new ServingPage(new ServingFigures(s.metrics()::scrape, System::nanoTime), s.loadedVersions());
  }

  /** Serves the console on {@code host:port} (0 picks a free port). */
  public static Console start(String host, int port, Services services) {
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for --console-port: " + e.getMessage()
          + "; choose another --console-port (0 picks a free one, -1 turns the console off)", e);
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "aeserve-console-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    Console console = new Console(http, threads, services);
    http.createContext("/", console::handle);
    http.setExecutor(threads);
    http.start();
    log.info("console on http://{}:{}/", host, console.port());
    return console;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  private void handle(HttpExchange raw) throws IOException {
    Response response;
    String signedIn = null;
    try {
      Exchange ex = Exchange.read(raw);
      signedIn = access.signedInAs(ex).orElse(null);
      response = route(ex, signedIn);
    } catch (RuntimeException e) {
      HttpStatuses.Failure f = HttpStatuses.of(e);
      if (f.http() == 500) {
        log.warn("console request {} {} failed", raw.getRequestMethod(), raw.getRequestURI(), e);
      }
      response = Response.html(f.http(), Html.page(f.code().name(), "", signedIn, access.authOn(),
          "<h1>" + f.http() + " " + Html.esc(f.code().name()) + "</h1>" + Html.error(f.message())
              + "<p><a href=\"/\">Models</a> · <a href=\"/rollouts\">Rollouts</a></p>"));
    }
    try (raw) {
      response.headers().forEach((k, v) -> raw.getResponseHeaders().add(k, v));
      raw.getResponseHeaders().set("Content-Type", response.contentType());
      raw.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      raw.getResponseHeaders().set("X-Frame-Options", "DENY");
      boolean head = "HEAD".equals(raw.getRequestMethod());
      raw.sendResponseHeaders(response.status(), head || response.body().length == 0 ? -1 : response.body().length);
      if (!head && response.body().length > 0) {
        try (OutputStream out = raw.getResponseBody()) {
          out.write(response.body());
        }
      }
    }
  }

  private Response route(Exchange ex, String signedIn) {
    List<String> p = ex.path;
    boolean get = ex.method.equals("GET") || ex.method.equals("HEAD");
    boolean post = ex.method.equals("POST");
    if (get && p.isEmpty()) {
      return page("Models", "models", signedIn, models.list());
    }
    if (get && p.equals(List.of("rollouts"))) {
      return page("Rollouts", "rollouts", signedIn, rollouts.render(!access.authOn() || signedIn != null,
          access.authOn()));
    }
    if (get && p.equals(List.of("serving"))) {
      return page("Serving", "serving", signedIn, serving.render());
    }
    if (get && p.equals(List.of("serving", "figures"))) {
      return Response.html(200, serving.figures());
    }
    if (p.equals(List.of("signin")) && get) {
      return page("Sign in", "", signedIn, signInForm(null));
    }
    if (p.equals(List.of("signin")) && post) {
      String secret = ex.field("token");
      String name = access.signIn(secret);
      return Response.seeOther("/rollouts", Map.of("Set-Cookie", ConsoleAccess.COOKIE + "=" + secret.trim()
          + "; Path=/; HttpOnly; SameSite=Strict", "X-Aeserve-Signed-In", name));
    }
    if (p.equals(List.of("signout")) && post) {
      return Response.seeOther("/", Map.of("Set-Cookie", ConsoleAccess.COOKIE + "=; Path=/; Max-Age=0; HttpOnly; "
          + "SameSite=Strict"));
    }
    if (p.size() >= 2 && p.get(0).equals("models")) {
      String model = p.get(1);
      if (get && p.size() == 2) {
        return page(model, "models", signedIn, models.model(model));
      }
      if (post && p.size() == 3) {
        String done = actions.run(model, p.get(2), ex);
        log.info("console: {}", done);
        return Response.seeOther("/rollouts#" + Html.url(model), Map.of("X-Aeserve-Done", done));
      }
      if (get && p.size() >= 4 && p.get(2).equals("versions")) {
        int version = versionNumber(p.get(3));
        if (p.size() == 4) {
          return page(model + " v" + version, "models", signedIn, versions.render(model, version, ex));
        }
        if (p.size() == 5) {
          return versions.picture(model, version, p.get(4), ex);
        }
      }
    }
    if (!get && !post) {
      throw new InvalidRequestException(ex.method + " is not served: the console's pages are GET, its actions POST");
    }
    throw new dev.aeserve.registry.RegistryNotFoundException("no console page at /" + String.join("/", p)
        + "; start from the models page at /");
  }

  private Response page(String title, String section, String signedIn, String body) {
    return Response.html(200, Html.page(title, section, signedIn, access.authOn(), body));
  }

  private String signInForm(String message) {
    if (!access.authOn()) {
      return "<h1>Sign in</h1>" + Html.empty("Authentication is off on this server.", "Actions need no token: go to "
          + "<a href=\"/rollouts\">Rollouts</a>.");
    }
    return "<h1>Sign in</h1><p>Paste an API token (from <code>./aeserve token create NAME --scopes registry:write</code>). "
        + "Actions you take are recorded in the audit log under the token's name.</p>"
        + (message == null ? "" : Html.error(message))
        + "<form method=\"post\" action=\"/signin\"><input type=\"password\" name=\"token\" autocomplete=\"off\" "
        + "style=\"width:32em\"> <button>Sign in</button></form>";
  }

  private static int versionNumber(String text) {
    try {
      int v = Integer.parseInt(text);
      if (v < 1) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new InvalidRequestException("version must be a number of 1 or more, got '" + text + "'");
    }
  }

  /** Stops serving: in-flight requests get a second to finish; then the threads stop. */
  @Override
  public void close() {
    http.stop(1);
    threads.shutdown();
    try {
      if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
        threads.shutdownNow();
      }
    } catch (InterruptedException e) {
      threads.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
