package dev.aeserve.server.console;

import static dev.aeserve.server.console.Html.esc;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Serving, live: per model, version and call, the request rate, latency percentiles, queue time,
 * batch sizes, queue depth and refusals, from {@link ServingFigures} (the Prometheus endpoint's own numbers).
 * The page fetches {@code /serving/figures} every two seconds and swaps the table in.
 */
final class ServingPage {

  static final int REFRESH_MILLIS = 2000;

  private final ServingFigures figures;
  private final Supplier<Set<String>> loaded;

  ServingPage(ServingFigures figures, Supplier<Set<String>> loaded) {
    this.figures = figures;
    this.loaded = loaded;
  }

  String render() {
    return "<h1>Serving</h1><p class=\"muted\">Refreshed every " + REFRESH_MILLIS / 1000 + " s from the figures the "
        + "Prometheus endpoint serves (<code>aeserve_requests_total</code>, <code>aeserve_request_seconds</code>, "
        + "<code>aeserve_queue_seconds</code>, <code>aeserve_batch_rows</code>, <code>aeserve_queue_rows</code>); the console's own calls are counted "
        + "apart (<code>aeserve_console_requests_total</code>).</p><div id=\"figures\">" + figures() + "</div>"
        + "<script>setInterval(function(){fetch('/serving/figures').then(function(r){return r.ok?r.text():null})"
        + ".then(function(h){if(h!==null){document.getElementById('figures').innerHTML=h;}})"
        + ".catch(function(){});}, " + REFRESH_MILLIS + ");</script>";
  }

  /** The table alone, for the live refresh. */
  String figures() {
    List<ServingFigures.Row> rows = figures.read();
    StringBuilder b = new StringBuilder("<p>Loaded versions: ");
    Set<String> now = loaded.get();
    b.append(now.isEmpty() ? "<span class=\"muted\">none (a version loads on its first call, or at start "
        + "with preload)</span>" : esc(String.join(", ", new java.util.TreeSet<>(now)))).append("</p>");
    if (rows.isEmpty()) {
      return b.append(Html.empty("No calls served yet.", "Make one, for example <code>./aeserve models list</code> "
          + "then <code>./aeserve reconstruct --model NAME --input FILE.csv</code>, or open a version's pictures "
          + "from <a href=\"/\">Models</a>.")).toString();
    }
    b.append("<table><tr><th>model</th><th>version</th><th>call</th><th>calls</th><th>per second</th>"
        + "<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>queue p99 ms</th><th>batches</th><th>rows per batch</th><th>queued rows</th>"
        + "<th>refused</th><th>console calls</th></tr>");
    String lastModel = null;
    for (ServingFigures.Row r : rows) {
      boolean first = !r.key().model().equals(lastModel);
      lastModel = r.key().model();
      b.append("<tr").append(first ? " id=\"" + esc(r.key().model()) + "\"" : "").append("><td>")
          .append(first ? link(r.key().model()) : "").append("</td><td>").append(version(r.key())).append("</td><td>")
          .append(esc(r.key().rpc())).append("</td><td class=\"n\">").append(count(r.requests()))
          .append("</td><td class=\"n\">").append(Double.isNaN(r.requestsPerSecond()) ? "–"
              : String.format(java.util.Locale.ROOT, "%.1f", r.requestsPerSecond()))
          .append("</td><td class=\"n\">").append(ms(r.p50())).append("</td><td class=\"n\">").append(ms(r.p95()))
          .append("</td><td class=\"n\">").append(ms(r.p99())).append("</td><td class=\"n\">").append(ms(r.queueP99()))
          .append("</td><td class=\"n\">").append(count(r.batches())).append("</td><td class=\"n\">")
          .append(Double.isNaN(r.meanBatchRows()) ? "–" : String.format(java.util.Locale.ROOT, "%.1f", r.meanBatchRows()))
          .append("</td><td class=\"n\">").append(count(r.queuedRows()))
          .append("</td><td>").append(refused(r)).append("</td><td class=\"n\">").append(count(r.consoleCalls()))
          .append("</td></tr>");
    }
    return b.append("</table>").toString();
  }

  private static String link(String model) {
    return model.startsWith("(") ? esc(model) : "<a href=\"" + Html.modelHref(model) + "\">" + esc(model) + "</a>";
  }

  private static String version(ServingFigures.Key k) {
    try {
      return "<a href=\"" + Html.versionHref(k.model(), Integer.parseInt(k.version())) + "\">v" + k.version() + "</a>";
    } catch (NumberFormatException e) {
      return esc(k.version());
    }
  }

  private static String refused(ServingFigures.Row r) {
    if (r.refused() == 0) {
      return "<span class=\"muted\">0</span>";
    }
    StringBuilder b = new StringBuilder("<span class=\"bad\">").append(count(r.refused())).append("</span> ");
    for (Map.Entry<String, Double> e : r.byCode().entrySet()) {
      if (!e.getKey().equals("OK") && e.getValue() > 0) {
        b.append("<span class=\"tag\">").append(esc(e.getKey())).append(" ").append(count(e.getValue())).append("</span>");
      }
    }
    return b.toString();
  }

  private static String count(double v) {
    return Long.toString(Math.round(v));
  }

  private static String ms(double seconds) {
    return Double.isNaN(seconds) ? "–" : String.format(java.util.Locale.ROOT, "%.2f", seconds * 1000);
  }
}
