package dev.aeserve.server.console;

import static dev.aeserve.server.console.Html.esc;

import dev.aeserve.registry.Alias;
import dev.aeserve.registry.Model;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.TrafficSplit;
import dev.aeserve.registry.VersionState;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The registry at a glance (every model) and one model: its versions, aliases and route. */
final class ModelsPage {

  private final ModelRegistry registry;

  ModelsPage(ModelRegistry registry) {
    this.registry = registry;
  }

  String list() {
    List<Model> models = registry.listModels();
    StringBuilder b = new StringBuilder("<h1>Models</h1>");
    if (models.isEmpty()) {
      return b.append(Html.empty("No models are registered yet.",
          "Train and register one: <code>./aeserve train --family ae --data FILE.csv --register my-model</code>, "
              + "or start <code>./aeserve demo</code>, which registers one model of each family.")).toString();
    }
    b.append("<table><tr><th>model</th><th>family</th><th>versions</th><th>aliases</th><th>a call without a version "
        + "goes to</th><th>description</th></tr>");
    for (Model m : models) {
      List<ModelVersion> versions = registry.listVersions(m.name());
      List<Alias> aliases = registry.listAliases(m.name());
      Optional<TrafficSplit> split = registry.traffic(m.name());
      long ready = versions.stream().filter(v -> v.state() == VersionState.READY).count();
      b.append("<tr><td><a href=\"").append(Html.modelHref(m.name())).append("\">").append(esc(m.name()))
          .append("</a></td><td>").append(esc(m.family())).append("</td><td class=\"n\">").append(versions.size())
          .append(ready < versions.size() ? " <span class=\"muted\">(" + ready + " ready)</span>" : "")
          .append("</td><td>").append(aliasTags(m.name(), aliases)).append("</td><td>")
          .append(route(m.name(), versions, split)).append("</td><td class=\"muted\">").append(esc(m.description()))
          .append("</td></tr>");
    }
    return b.append("</table>").toString();
  }

  String model(String name) {
    Model m = registry.getModel(name);
    List<ModelVersion> versions = registry.listVersions(name);
    List<Alias> aliases = registry.listAliases(name);
    Optional<TrafficSplit> split = registry.traffic(name);
    StringBuilder b = new StringBuilder();
    b.append("<h1>").append(esc(m.name())).append(" <span class=\"tag\">").append(esc(m.family())).append("</span></h1>")
        .append("<p class=\"muted\">").append(esc(m.description())).append("</p>")
        .append("<p>A call without a version goes to ").append(route(name, versions, split))
        .append(". <a href=\"/rollouts#").append(esc(name)).append("\">Rollout of this model</a> · ")
        .append("<a href=\"/serving#").append(esc(name)).append("\">Serving figures</a></p>");
    b.append("<h2>Versions</h2>");
    if (versions.isEmpty()) {
      b.append(Html.empty("This model has no versions yet.", "Upload one: <code>./aeserve train --family "
          + esc(m.family()) + " --data FILE.csv --register " + esc(name) + "</code>."));
    } else {
      b.append("<table><tr><th>version</th><th>state</th><th>aliases</th><th>traffic</th><th>calibration</th>"
          + "<th>size</th><th>created</th><th>by</th></tr>");
      List<ModelVersion> newestFirst = new java.util.ArrayList<>(versions);
      java.util.Collections.reverse(newestFirst);
      for (ModelVersion v : newestFirst) {
        String tags = aliases.stream().filter(a -> a.version() == v.version())
            .map(a -> "<span class=\"tag\">@" + esc(a.alias()) + "</span>").collect(Collectors.joining());
        b.append("<tr><td><a href=\"").append(Html.versionHref(name, v.version())).append("\">version ")
            .append(v.version()).append("</a></td><td>").append(state(v)).append("</td><td>").append(tags)
            .append("</td><td>").append(esc(trafficOf(split, v.version()))).append("</td><td>")
            .append(v.calibrationJson() == null ? "<span class=\"muted\">none</span>" : "calibrated")
            .append("</td><td class=\"n\">").append(v.sizeBytes()).append(" B</td><td>").append(esc(v.createdAt()))
            .append("</td><td>").append(esc(v.createdBy())).append("</td></tr>");
      }
      b.append("</table>");
    }
    return b.toString();
  }

  static String state(ModelVersion v) {
    String css = switch (v.state()) {
      case READY -> "ok";
      case FAILED -> "bad";
      default -> "muted";
    };
    return "<span class=\"" + css + "\">" + v.state() + "</span>"
        + (v.failureReason() == null ? "" : "<br><span class=\"muted\">" + esc(v.failureReason()) + "</span>");
  }

  static String aliasTags(String model, List<Alias> aliases) {
    if (aliases.isEmpty()) {
      return "<span class=\"muted\">none</span>";
    }
    return aliases.stream().map(a -> "<a class=\"tag\" href=\"" + Html.versionHref(model, a.version()) + "\">@"
        + esc(a.alias()) + " → " + a.version() + "</a>").collect(Collectors.joining());
  }

  /** Where a call naming only the model goes: the split's arms, else the newest READY version. */
  static String route(String model, List<ModelVersion> versions, Optional<TrafficSplit> split) {
    if (split.isPresent() && !split.get().primaries().isEmpty()) {
      String arms = split.get().primaries().stream().map(a -> "<a href=\"" + Html.versionHref(model, a.version())
          + "\">v" + a.version() + "</a> " + a.weight() + "%").collect(Collectors.joining(", "));
      String shadows = split.get().shadows().isEmpty() ? "" : "; shadows " + split.get().shadows().stream()
          .map(a -> "v" + a.version() + " (" + a.weight() + "% copied)").collect(Collectors.joining(", "));
      return "split " + arms + shadows;
    }
    return versions.stream().filter(v -> v.state() == VersionState.READY).reduce((a, b) -> b)
        .map(v -> "the newest READY version, <a href=\"" + Html.versionHref(model, v.version()) + "\">v" + v.version()
            + "</a>")
        .orElse("<span class=\"bad\">nothing: no READY version</span>");
  }

  private static String trafficOf(Optional<TrafficSplit> split, int version) {
    if (split.isEmpty()) {
      return "";
    }
    for (TrafficSplit.Arm a : split.get().primaries()) {
      if (a.version() == version) {
        return a.weight() + "% primary";
      }
    }
    for (TrafficSplit.Arm a : split.get().shadows()) {
      if (a.version() == version) {
        return a.weight() + "% shadow";
      }
    }
    return "";
  }
}
