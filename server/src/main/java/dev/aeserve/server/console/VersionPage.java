package dev.aeserve.server.console;

import static dev.aeserve.server.console.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Interpolation;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.ScoredItem;
import dev.aeserve.registry.Alias;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.VersionState;
import dev.aeserve.server.InvalidRequestException;
import dev.aeserve.server.inference.Answers;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One version: what it is (family, spec, training metrics, calibration, artifact checksum, state,
 * aliases) and what it does, in pictures drawn from the served version ({@link VersionPictures}).
 */
final class VersionPage {

  static final int SAMPLES = 16;
  static final int STEPS = 8;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ModelRegistry registry;
  private final VersionPictures pictures;

  VersionPage(ModelRegistry registry, VersionPictures pictures) {
    this.registry = registry;
    this.pictures = pictures;
  }

  String render(String model, int version, Exchange ex) {
    long seed = ex.longField("seed", 7);
    double temperature = ex.doubleField("temperature", 1);
    ModelVersion v = registry.getVersion(model, version);
    AutoencoderSpec spec = AutoencoderSpec.fromJson(v.specJson());
    List<Alias> aliases = registry.listAliases(model).stream().filter(a -> a.version() == version).toList();
    StringBuilder b = new StringBuilder();
    b.append("<p><a href=\"").append(Html.modelHref(model)).append("\">← ").append(esc(model)).append("</a></p>")
        .append("<h1>").append(esc(model)).append(" version ").append(version).append(" <span class=\"tag\">")
        .append(esc(spec.family().id())).append("</span></h1>");
    b.append("<table>")
        .append(row("state", ModelsPage.state(v)))
        .append(row("aliases", aliases.isEmpty() ? "<span class=\"muted\">none</span>"
            : ModelsPage.aliasTags(model, aliases)))
        .append(row("input", spec.inputDim() + " values per row" + (spec.inputShape() == null ? ""
            : " (" + esc(spec.inputShape()) + " channels × height × width)")
            + (spec.itemIds() == null ? "" : ", one per item of a " + spec.itemIds().size() + "-item vocabulary")))
        .append(row("latent", spec.latentDim() + " dimensions"))
        .append(row("layers", "hidden " + esc(spec.hiddenLayers()) + ", " + esc(spec.activation()) + "; output "
            + esc(spec.outputActivation()) + "; loss " + esc(spec.loss())))
        .append(row("calls served", esc(spec.family().servedRpcs().stream().map(Rpc::displayName).toList())))
        .append(row("calibration", calibration(v)))
        .append(row("artifact", "<code>sha256:" + esc(v.artifactSha256()) + "</code>, " + v.sizeBytes() + " bytes"))
        .append(row("created", esc(v.createdAt()) + " by " + esc(v.createdBy())
            + (v.parentVersion() == null ? "" : ", from <a href=\"" + Html.versionHref(model, v.parentVersion())
                + "\">version " + v.parentVersion() + "</a>")))
        .append("</table>");
    b.append("<h2>Training metrics</h2>").append(metrics(v));
    b.append("<h2 id=\"curves\">Training curves</h2>").append(curves(v));
    b.append("<details><summary>Spec (JSON)</summary><pre>").append(esc(pretty(v.specJson()))).append("</pre></details>");
    b.append("<h2>What it does</h2>").append(pictureSection(v, spec, seed, temperature));
    return b.toString();
  }

  private String pictureSection(ModelVersion v, AutoencoderSpec spec, long seed, double temperature) {
    if (v.state() != VersionState.READY) {
      return Html.empty("This version is " + v.state() + ": pictures are drawn from READY versions only.",
          "Open a READY version from <a href=\"" + Html.modelHref(v.model()) + "\">" + esc(v.model()) + "</a>.");
    }
    Optional<VersionPictures.Examples> examples = VersionPictures.examples(v);
    Optional<ImageShape> shape = ImageShape.of(spec);
    String base = Html.versionHref(v.model(), v.version());
    StringBuilder b = new StringBuilder("<p class=\"muted\">Drawn by calling this version through the serving path "
        + "(the same route, batches and engine as gRPC calls; counted as <code>aeserve_console_requests_total</code>)."
        + "</p><div class=\"pics\">");
    if (examples.isEmpty()) {
      b.append("</div>").append(Html.empty("This version has no held-out example rows (a golden batch).",
          "Versions trained with <code>aeserve train</code> keep 32; an upload can bring its own in "
              + "<code>metrics.goldenBatch</code>. Samples are drawn below where the family has a prior."));
      b.append("<div class=\"pics\">");
    }
    if (shape.isPresent() && examples.isPresent() && spec.family().serves(Rpc.RECONSTRUCT)) {
      int k = Math.min(VersionPictures.SHOWN, examples.get().rows().rows());
      b.append(picture("Inputs (top) and reconstructions (bottom); anomalous ones framed in red",
          base + "/reconstructions.png", grid(shape.get(), k, 2), reconstructionTable(v, examples.get())));
    }
    if (shape.isPresent() && spec.family().serves(Rpc.SAMPLE)) {
      b.append(picture(SAMPLES + " samples from the prior (seed " + seed + ", temperature " + Svg.num(temperature) + ")",
          base + "/samples.png?seed=" + seed + "&amp;temperature=" + temperature,
          grid(shape.get(), VersionPictures.SHOWN, SAMPLES / VersionPictures.SHOWN),
          "<form class=\"inline\" action=\"" + base + "\">seed <input type=\"number\" name=\"seed\" value=\""
              + seed + "\" style=\"width:6em\"> temperature <input type=\"text\" name=\"temperature\" value=\""
              + Svg.num(temperature) + "\" style=\"width:3em\"> <button>Draw again</button></form>"));
      if (examples.isPresent() && examples.get().rows().rows() >= 2) {
        b.append(picture("Interpolation between two held-out inputs (" + STEPS + " steps, slerp)",
            base + "/interpolation.png", grid(shape.get(), STEPS, 1), ""));
      }
    }
    if (shape.isPresent() && examples.isPresent() && spec.family().serves(Rpc.DENOISE)) {
      b.append(picture("Denoising: clean (top), corrupted with gaussian σ 0.3 (middle), denoised (bottom)",
          base + "/denoising.png",
          grid(shape.get(), Math.min(VersionPictures.SHOWN, examples.get().rows().rows()), 3), ""));
    }
    if (examples.isPresent()) {
      b.append(svg("Latent map: PCA of Encode outputs", base + "/latent-map.svg"));
      if (spec.family().serves(Rpc.RECONSTRUCT)) {
        b.append(svg("Reconstruction scores of the held-out rows", base + "/scores.svg"));
      }
      if (spec.family().recommender()) {
        b.append(recommendations(v, spec, examples.get()));
      }
    }
    return b.append("</div>").toString();
  }

  /** A picture resource of this version, by name (reconstructions.png, samples.png, ...). */
  Response picture(String model, int version, String name, Exchange ex) {
    ModelVersion v = registry.getVersion(model, version);
    AutoencoderSpec spec = AutoencoderSpec.fromJson(v.specJson());
    Optional<VersionPictures.Examples> examples = VersionPictures.examples(v);
    Optional<ImageShape> shape = ImageShape.of(spec);
    return switch (name) {
      case "reconstructions.png" -> Response.png(pictures.reconstructionGrid(v, spec, image(shape, spec),
          need(examples, v)));
      case "samples.png" -> Response.png(pictures.sampleGrid(v, spec, image(shape, spec), ex.longField("seed", 7),
          (float) ex.doubleField("temperature", 1), (int) bounded(ex.longField("count", SAMPLES), 1, 64, "count")));
      case "interpolation.png" -> Response.png(pictures.interpolationStrip(v, spec, image(shape, spec),
          need(examples, v), ex.longField("seed", 7), (int) bounded(ex.longField("steps", STEPS), 2, 32, "steps"),
          Interpolation.fromId(Optional.ofNullable(ex.field("method")).orElse("slerp"))));
      case "denoising.png" -> Response.png(pictures.denoisingStrip(v, image(shape, spec), need(examples, v),
          ex.doubleField("sigma", 0.3), ex.longField("seed", 1)));
      case "latent-map.svg" -> Response.svg(pictures.latentMap(v, spec, need(examples, v)));
      case "scores.svg" -> Response.svg(pictures.scoreHistogram(v, need(examples, v)));
      default -> throw new dev.aeserve.registry.RegistryNotFoundException("no picture '" + name + "'; pictures are "
          + "reconstructions.png, samples.png, interpolation.png, denoising.png, latent-map.svg and scores.svg");
    };
  }

  private static long bounded(long value, long min, long max, String name) {
    if (value < min || value > max) {
      throw new InvalidRequestException(name + " must be in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  private static ImageShape image(Optional<ImageShape> shape, AutoencoderSpec spec) {
    return shape.orElseThrow(() -> new dev.aeserve.server.FamilyCapabilityException("rows of " + spec.inputDim()
        + " values are not images (no inputShape, not a square); the latent map and score histogram apply"));
  }

  private static VersionPictures.Examples need(Optional<VersionPictures.Examples> examples, ModelVersion v) {
    return examples.orElseThrow(() -> new dev.aeserve.server.FamilyCapabilityException("version " + v.version()
        + " of '" + v.model() + "' has no golden batch to draw from"));
  }

  private String reconstructionTable(ModelVersion v, VersionPictures.Examples ex) {
    Answers.Reconstructed r = pictures.reconstruct(v, ex);
    int k = Math.min(VersionPictures.SHOWN, ex.rows().rows());
    StringBuilder b = new StringBuilder("<table><tr><th>column</th>");
    for (int i = 1; i <= k; i++) {
      b.append("<th>").append(i).append("</th>");
    }
    b.append("</tr><tr><th>").append(esc(r.kind().id())).append("</th>");
    for (int i = 0; i < k; i++) {
      b.append("<td class=\"n\">").append(Svg.num(r.reconstruction().scores()[i])).append("</td>");
    }
    b.append("</tr><tr><th>flag</th>");
    for (int i = 0; i < k; i++) {
      String flag = r.anomalous() == null ? "<span class=\"muted\">–</span>"
          : r.anomalous()[i] ? "<span class=\"bad\">anomalous</span>" : "<span class=\"ok\">normal</span>";
      b.append("<td>").append(flag).append("</td>");
    }
    b.append("</tr></table>");
    if (r.calibration() == null) {
      b.append("<p class=\"muted\">No calibration of this score: flags are absent, never guessed. Calibrate with "
          + "<code>./aeserve calibrate ").append(esc(v.model())).append(":").append(v.version())
          .append(" --data FILE.csv</code>.</p>");
    }
    return b.toString();
  }

  private String recommendations(ModelVersion v, AutoencoderSpec spec, VersionPictures.Examples ex) {
    VersionPictures.Recommended rec = pictures.recommend(v, spec, ex, 10);
    StringBuilder b = new StringBuilder("<div class=\"pic\"><h3>Top 10 items for an example history</h3>");
    if (rec.top() == null) {
      return b.append(Html.empty("The first held-out row has no interactions.", "Try the CLI: "
          + "<code>./aeserve recommend --model " + esc(v.model()) + " --history FILE.csv</code>.")).append("</div>")
          .toString();
    }
    b.append("<table><tr><th>history (held-out user)</th><th>recommended</th><th>score</th></tr>");
    int rows = Math.max(Math.min(rec.history().size(), 10), rec.top().items().size());
    for (int i = 0; i < rows; i++) {
      String h = i < rec.history().size() && i < 10 ? esc(rec.history().get(i).itemId()) + " <span class=\"muted\">("
          + Svg.num(rec.history().get(i).value()) + ")</span>" : i == 10 ? "<span class=\"muted\">… "
          + (rec.history().size() - 10) + " more</span>" : "";
      ScoredItem item = i < rec.top().items().size() ? rec.top().items().get(i) : null;
      b.append("<tr><td>").append(h).append("</td><td>").append(item == null ? "" : esc(item.itemId()))
          .append("</td><td class=\"n\">").append(item == null ? "" : Svg.num(item.score())).append("</td></tr>");
    }
    return b.append("</table></div>").toString();
  }

  /** The size a grid of {@code columns} x {@code lines} tiles has, as img attributes (the browser check compares). */
  private static String grid(ImageShape shape, int columns, int lines) {
    ImageGrid g = VersionPictures.grid(shape);
    return "width=\"" + g.width(columns) + "\" height=\"" + g.height(lines) + "\"";
  }

  private static String picture(String title, String src, String size, String below) {
    return "<div class=\"pic\"><h3>" + esc(title) + "</h3><img alt=\"" + esc(title) + "\" " + size + " src=\"" + src
        + "\">" + below + "</div>";
  }

  private static String svg(String title, String src) {
    return "<div class=\"pic\"><h3>" + esc(title) + "</h3><img alt=\"" + esc(title) + "\" width=\"" + Svg.WIDTH
        + "\" height=\"" + Svg.HEIGHT + "\" src=\"" + src + "\"></div>";
  }

  private static String row(String name, String html) {
    return "<tr><th>" + esc(name) + "</th><td>" + html + "</td></tr>";
  }

  private static String calibration(ModelVersion v) {
    if (v.calibrationJson() == null) {
      return "<span class=\"muted\">none: Reconstruct gives scores without an anomalous flag</span>";
    }
    try {
      Calibration c = Calibration.fromJson(v.calibrationJson());
      return "threshold <b>" + Svg.num(c.threshold()) + "</b> on " + esc(c.scoreKind()) + " (" + esc(c.description())
          + ", " + c.sampleCount() + " rows)";
    } catch (RuntimeException e) {
      return "<code>" + esc(v.calibrationJson()) + "</code>";
    }
  }

  private static String metrics(ModelVersion v) {
    if (v.metricsJson() == null || v.metricsJson().isBlank()) {
      return Html.empty("No training metrics were recorded.", "Versions trained with <code>aeserve train</code> "
          + "record their losses and held-out scores.");
    }
    try {
      JsonNode doc = JSON.readTree(v.metricsJson());
      if (!(doc instanceof ObjectNode o)) {
        return "<pre>" + esc(v.metricsJson()) + "</pre>";
      }
      StringBuilder b = new StringBuilder("<table>");
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("goldenBatch")) {
          JsonNode rows = e.getValue().get("rows");
          b.append(row("goldenBatch", (rows == null ? 0 : rows.size()) + " held-out rows kept for warm-up and for "
              + "the pictures below"));
          continue;
        }
        JsonNode n = e.getValue();
        if (CURVES.containsKey(e.getKey()) && n.isArray()) {
          b.append(row(e.getKey(), n.size() + " values, one per epoch: drawn under Training curves"));
          continue;
        }
        b.append(row(e.getKey(), n.isNumber() ? Svg.num(n.asDouble()) : esc(n.isTextual() ? n.asText() : n.toString())));
      }
      return b.append("</table>").toString();
    } catch (Exception e) {
      return "<pre>" + esc(v.metricsJson()) + "</pre>";
    }
  }

  /** The per-epoch series of the metrics JSON, by key, with the name the chart gives them. */
  private static final Map<String, String> CURVES = Map.of(
      "trainLossCurve", "training loss", "heldOutLossCurve", "held-out loss", "validationNdcg", "held-out NDCG@100");

  /**
   * The loss per epoch, as recorded in the metrics (train and held-out), as an inline SVG chart;
   * multvae's validation NDCG as a second chart. Versions trained before curves were recorded
   * (and uploads without them) say so.
   */
  static String curves(ModelVersion v) {
    JsonNode doc;
    try {
      doc = v.metricsJson() == null || v.metricsJson().isBlank() ? null : JSON.readTree(v.metricsJson());
    } catch (Exception e) {
      doc = null;
    }
    List<Svg.Series> losses = new java.util.ArrayList<>();
    for (String key : List.of("trainLossCurve", "heldOutLossCurve")) {
      List<Double> values = series(doc, key);
      if (!values.isEmpty()) {
        losses.add(new Svg.Series(CURVES.get(key), values));
      }
    }
    List<Double> ndcg = series(doc, "validationNdcg");
    if (losses.isEmpty() && ndcg.isEmpty()) {
      return Html.empty("No curves recorded for this version.", "Versions trained with <code>aeserve train</code> "
          + "(or by the demo) since per-epoch losses were recorded keep one training and one held-out loss per epoch in "
          + "their metrics (<code>trainLossCurve</code>, <code>heldOutLossCurve</code>); older versions and uploads "
          + "without them have none.");
    }
    StringBuilder b = new StringBuilder("<div class=\"pics\">");
    if (!losses.isEmpty()) {
      String loss = doc.hasNonNull("loss") ? doc.get("loss").asText() : "loss";
      b.append("<div class=\"pic curve\"><h3>Loss per epoch (").append(esc(loss))
          .append(", in the space the model trains in)</h3>")
          .append(Svg.lines(losses, "epoch", loss)).append("</div>");
    }
    if (!ndcg.isEmpty()) {
      b.append("<div class=\"pic curve\"><h3>Held-out NDCG@100 per epoch</h3>")
          .append(Svg.lines(List.of(new Svg.Series(CURVES.get("validationNdcg"), ndcg)), "epoch", "NDCG@100"))
          .append("</div>");
    }
    return b.append("</div>").toString();
  }

  private static List<Double> series(JsonNode doc, String key) {
    if (doc == null || !doc.has(key) || !doc.get(key).isArray()) {
      return List.of();
    }
    List<Double> out = new java.util.ArrayList<>();
    doc.get(key).forEach(n -> out.add(n.isNumber() ? n.asDouble() : Double.NaN));
    return out;
  }

  private static String pretty(String json) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(json));
    } catch (Exception e) {
      return json;
    }
  }
}
