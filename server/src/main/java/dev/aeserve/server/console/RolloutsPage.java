package dev.aeserve.server.console;

import static dev.aeserve.server.console.Html.esc;

import dev.aeserve.registry.Alias;
import dev.aeserve.registry.Model;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.RegistryEvent;
import dev.aeserve.registry.TrafficSplit;
import dev.aeserve.registry.VersionState;
import dev.aeserve.server.rollout.DifferenceStatsView;
import dev.aeserve.server.rollout.QualityGates;
import dev.aeserve.server.rollout.ShadowComparisons;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Rollouts: each model's traffic split, its shadow comparisons (difference statistics and their
 * histogram), the quality gate's verdicts, the audit log, and the forms that promote, roll back,
 * set a split or move an alias ({@link RolloutActions}).
 */
final class RolloutsPage {

  static final int EVENTS = 50;
  private static final java.time.format.DateTimeFormatter WHEN =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(java.time.ZoneOffset.UTC);

  private final ModelRegistry registry;
  private final ShadowComparisons comparisons;
  private final QualityGates gates;

  RolloutsPage(ModelRegistry registry, ShadowComparisons comparisons, QualityGates gates) {
    this.registry = registry;
    this.comparisons = comparisons;
    this.gates = gates;
  }

  String render(boolean canAct, boolean authOn) {
    List<Model> models = registry.listModels();
    StringBuilder b = new StringBuilder("<h1>Rollouts</h1>");
    if (!canAct) {
      b.append("<p class=\"muted\">Read-only: <a href=\"/signin\">sign in with a token</a> that has the "
          + "<code>registry:write</code> scope to promote, roll back, split traffic or move aliases.</p>");
    }
    if (models.isEmpty()) {
      return b.append(Html.empty("No models are registered yet.", "Register one (<code>./aeserve train ... --register "
          + "NAME</code>) and its rollouts show here.")).toString();
    }
    // Models being rolled out (a split, or shadow figures) in full; the others in one table.
    List<Model> quiet = new java.util.ArrayList<>();
    for (Model m : models) {
      if (registry.traffic(m.name()).isPresent() || !comparisons.of(m.name()).isEmpty()) {
        b.append(model(m, canAct, authOn));
      } else {
        quiet.add(m);
      }
    }
    if (!quiet.isEmpty()) {
      b.append("<h2>Models without a traffic split</h2><p class=\"muted\">Calls without a version go to the newest "
          + "READY version. Promote a version, or set a split to send part of the traffic to a candidate.</p>"
          + "<table><tr><th>model</th><th>route</th><th>aliases</th>").append(canAct ? "<th>change</th>" : "")
          .append("</tr>");
      for (Model m : quiet) {
        List<ModelVersion> versions = registry.listVersions(m.name());
        b.append("<tr id=\"").append(esc(m.name())).append("\"><td><a href=\"").append(Html.modelHref(m.name()))
            .append("\">").append(esc(m.name())).append("</a></td><td>")
            .append(ModelsPage.route(m.name(), versions, Optional.empty())).append("</td><td>")
            .append(ModelsPage.aliasTags(m.name(), registry.listAliases(m.name()))).append("</td>")
            .append(canAct ? "<td><details><summary>promote, split, alias</summary>"
                + forms(m.name(), versions, false, authOn) + "</details></td>" : "")
            .append("</tr>");
      }
      b.append("</table>");
    }
    b.append("<h2 id=\"audit\">Audit log</h2>").append(auditLog(Optional.empty()));
    return b.toString();
  }

  private String model(Model m, boolean canAct, boolean authOn) {
    String name = m.name();
    List<ModelVersion> versions = registry.listVersions(name);
    Optional<TrafficSplit> split = registry.traffic(name);
    List<Alias> aliases = registry.listAliases(name);
    StringBuilder b = new StringBuilder("<h2 id=\"").append(esc(name)).append("\"><a href=\"")
        .append(Html.modelHref(name)).append("\">").append(esc(name)).append("</a></h2>");
    b.append("<p>Route: ").append(ModelsPage.route(name, versions, split)).append(" · aliases: ")
        .append(ModelsPage.aliasTags(name, aliases)).append("</p>");
    if (split.isPresent()) {
      TrafficSplit s = split.get();
      b.append("<table><tr><th>version</th><th>role</th><th>weight</th><th>quality gate</th></tr>");
      TrafficSplit.Arm heaviest = s.primaries().stream().max((x, y) -> Integer.compare(x.weight(), y.weight()))
          .orElse(null);
      for (TrafficSplit.Arm a : s.primaries()) {
        b.append("<tr><td><a href=\"").append(Html.versionHref(name, a.version())).append("\">v").append(a.version())
            .append("</a></td><td>primary</td><td class=\"n\">").append(a.weight()).append("%</td><td>")
            .append(gate(s, a, heaviest)).append("</td></tr>");
      }
      for (TrafficSplit.Arm a : s.shadows()) {
        b.append("<tr><td><a href=\"").append(Html.versionHref(name, a.version())).append("\">v").append(a.version())
            .append("</a></td><td>shadow</td><td class=\"n\">").append(a.weight())
            .append("% of calls copied</td><td></td></tr>");
      }
      b.append("</table>");
      if (s.gate() != null) {
        b.append("<p class=\"muted\">Gate: a candidate loses its weight when its mean reconstruction error exceeds the "
            + "heaviest primary's by more than ").append(Svg.num(s.gate().maxErrorIncreasePercent()))
            .append("% after ").append(s.gate().minRequests()).append(" requests.</p>");
      }
    } else {
      b.append("<p class=\"muted\">No traffic split: calls without a version go to the newest READY version.</p>");
    }
    b.append(shadows(name));
    if (canAct) {
      b.append(forms(name, versions, split.isPresent(), authOn));
    }
    return b.toString();
  }

  private String gate(TrafficSplit s, TrafficSplit.Arm arm, TrafficSplit.Arm heaviest) {
    if (s.gate() == null) {
      return "<span class=\"muted\">no gate</span>";
    }
    if (heaviest != null && arm.version() == heaviest.version()) {
      return "baseline";
    }
    return gates.lastVerdict(s.model(), arm.version())
        .map(v -> (v.tripped() ? "<span class=\"bad\">tripped</span>" : "<span class=\"ok\">passing</span>")
            + " <span class=\"muted\">mean " + Svg.num(v.candidateMean()) + " vs " + Svg.num(v.baselineMean())
            + " over " + v.requests() + " requests</span>")
        .orElse("<span class=\"muted\">waiting for " + s.gate().minRequests() + " requests</span>");
  }

  private String shadows(String model) {
    List<ShadowComparisons.Comparison> pairs = comparisons.of(model);
    if (pairs.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("<table><tr><th>shadow vs primary</th><th>copies</th><th>reconstruction error "
        + "difference</th><th>latent distance</th></tr>");
    for (ShadowComparisons.Comparison c : pairs) {
      b.append("<tr><td>v").append(c.shadowVersion()).append(" vs v").append(c.primaryVersion()).append("</td><td>")
          .append(c.completed()).append(" compared, ").append(c.shed()).append(" shed, ").append(c.failed())
          .append(" failed</td><td>").append(stats(c.errorDifference())).append("</td><td>")
          .append(stats(c.latentDistance())).append("</td></tr>");
    }
    b.append("</table><div class=\"pics\">");
    for (ShadowComparisons.Comparison c : pairs) {
      double[] d = comparisons.errorDifferences(model, c.primaryVersion(), c.shadowVersion());
      if (d.length > 0) {
        b.append("<div class=\"pic\"><h3>v").append(c.shadowVersion()).append(" minus v").append(c.primaryVersion())
            .append(": reconstruction error per row</h3>")
            .append(Svg.histogram(d, 20, 0, "no difference", "shadow score minus primary score")).append("</div>");
      }
    }
    return b.append("</div>").toString();
  }

  private static String stats(DifferenceStatsView s) {
    return s.count() == 0 ? "<span class=\"muted\">none yet</span>"
        : "mean " + Svg.num(s.mean()) + ", p50 " + Svg.num(s.p50()) + ", p99 " + Svg.num(s.p99()) + " (" + s.count()
            + ")";
  }

  private static String forms(String model, List<ModelVersion> versions, boolean hasSplit, boolean authOn) {
    String action = Html.modelHref(model);
    String options = versions.stream().filter(v -> v.state() == VersionState.READY)
        .map(v -> "<option value=\"" + v.version() + "\">v" + v.version() + "</option>")
        .collect(Collectors.joining());
    if (options.isEmpty()) {
      return "";
    }
    String actor = authOn ? "" : "<input type=\"hidden\" name=\"actor\" value=\"console\">";
    return "<div>"
        + "<form class=\"inline\" method=\"post\" action=\"" + action + "/promote\">" + actor
        + "<select name=\"version\">" + options + "</select> alias <input type=\"text\" name=\"alias\" "
        + "value=\"production\" style=\"width:7em\"> <button>Promote</button></form>"
        + (hasSplit ? "<form class=\"inline\" method=\"post\" action=\"" + action + "/rollback\">" + actor
            + "<button>Roll back the last change</button></form>" : "")
        + "<form class=\"inline\" method=\"post\" action=\"" + action + "/traffic\">" + actor
        + "primaries <input type=\"text\" name=\"primaries\" placeholder=\"1:90,2:10\" style=\"width:7em\"> "
        + "shadows <input type=\"text\" name=\"shadows\" placeholder=\"3:20\" style=\"width:5em\"> "
        + "gate % <input type=\"text\" name=\"gate\" placeholder=\"10\" style=\"width:3em\"> "
        + "<button>Set split</button></form>"
        + "<form class=\"inline\" method=\"post\" action=\"" + action + "/alias\">" + actor
        + "alias <input type=\"text\" name=\"alias\" placeholder=\"staging\" style=\"width:6em\"> → <select "
        + "name=\"version\">" + options + "</select> <button>Move alias</button></form></div>";
  }

  String auditLog(Optional<String> model) {
    List<RegistryEvent> events = registry.events(model, EVENTS);
    if (events.isEmpty()) {
      return Html.empty("No changes recorded yet.", "Every registry change (uploads, aliases, splits, promotions, "
          + "rollbacks) is recorded here with who made it.");
    }
    StringBuilder b = new StringBuilder("<table><tr><th>when</th><th>who</th><th>what</th><th>model</th>"
        + "<th>version</th><th>details</th></tr>");
    for (RegistryEvent e : events) {
      b.append("<tr><td class=\"mono\">").append(esc(WHEN.format(e.at()))).append("</td><td>").append(esc(e.actor())).append("</td><td>")
          .append(esc(e.action())).append("</td><td>")
          .append(e.model() == null ? "" : "<a href=\"" + Html.modelHref(e.model()) + "\">" + esc(e.model()) + "</a>")
          .append("</td><td class=\"n\">").append(e.version() == null ? "" : e.version())
          .append("</td><td class=\"mono\">").append(esc(abbreviate(e.detailsJson()))).append("</td></tr>");
    }
    return b.append("</table>").toString();
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() > 160 ? s.substring(0, 157) + "..." : s;
  }
}
