package dev.aeserve.server.console;

import java.util.List;
import java.util.Locale;

/**
 * The console's charts as SVG text: a scatter plot (the latent map), a histogram with an optional
 * threshold line (reconstruction scores, shadow differences) and a sparkline. Axis labels are text
 * in the SVG, so they render in the browser's font and never depend on fonts on the server.
 */
final class Svg {

  static final int WIDTH = 480;
  static final int HEIGHT = 300;
  private static final int PAD = 36;
  /** Width of a scatter plot's legend column. */
  private static final int LEGEND = 130;
  private static final String[] PALETTE = {
      "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

  private Svg() {}

  /** A point of a scatter plot: where, its colour value in [0, 1] or a category, and a tooltip. */
  record Point(double x, double y, double shade, int category, String title) {}

  /**
   * A scatter plot. With {@code categories} each point takes its category's colour and a legend
   * names every category; without, points are shaded low (blue) to high (red) between {@code lo}
   * and {@code hi}, with a colour bar saying so (when lo < hi), or all one colour.
   */
  static String scatter(List<Point> points, List<String> categories, double lo, double hi, String shadeName,
      String xLabel, String yLabel) {
    boolean categorical = !categories.isEmpty();
    boolean shaded = !categorical && Double.isFinite(lo) && Double.isFinite(hi) && lo < hi;
    // The legend takes a column on the right; the points keep the rest.
    int right = categorical || shaded ? WIDTH - LEGEND : WIDTH - PAD;
    double[] xs = points.stream().mapToDouble(Point::x).toArray();
    double[] ys = points.stream().mapToDouble(Point::y).toArray();
    double[] bx = bounds(xs);
    double[] by = bounds(ys);
    StringBuilder s = open();
    s.append(String.format(Locale.ROOT,
        "<path d=\"M%d %d V%d H%d\" fill=\"none\" stroke=\"#888\"/>", PAD, PAD - 6, HEIGHT - PAD, right + 6));
    text(s, (PAD + right) / 2.0, HEIGHT - 6, "middle", xLabel);
    s.append(String.format(Locale.ROOT,
        "<text x=\"12\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 12 %d)\" fill=\"#444\">%s</text>",
        HEIGHT / 2, HEIGHT / 2, Html.esc(yLabel)));
    for (Point p : points) {
      double cx = PAD + (p.x() - bx[0]) / (bx[1] - bx[0]) * (right - PAD);
      double cy = HEIGHT - PAD - (p.y() - by[0]) / (by[1] - by[0]) * (HEIGHT - 2 * PAD);
      String colour = categorical ? category(p.category()) : shaded ? ramp(p.shade()) : PALETTE[0];
      s.append(String.format(Locale.ROOT,
          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" fill-opacity=\"0.85\" stroke=\"#333\" stroke-width=\"0.5\">"
              + "<title>%s</title></circle>", cx, cy, colour, Html.esc(p.title())));
    }
    int lx = WIDTH - LEGEND + 16;
    if (categorical) {
      text(s, lx, PAD - 12, "start", "colour: " + shadeName);
      for (int k = 0; k < categories.size(); k++) {
        double y = PAD + 4 + 16 * k;
        if (y > HEIGHT - 8) {
          text(s, lx, y, "start", "… " + (categories.size() - k) + " more");
          break;
        }
        s.append(String.format(Locale.ROOT, "<circle class=\"legend\" cx=\"%d\" cy=\"%.1f\" r=\"5\" fill=\"%s\" "
            + "stroke=\"#333\" stroke-width=\"0.5\"/>", lx + 5, y - 4, category(k)));
        text(s, lx + 14, y, "start", shorten(categories.get(k)));
      }
    } else if (shaded) {
      text(s, lx, PAD - 12, "start", "colour: " + shadeName);
      int bar = HEIGHT - 2 * PAD - 20;
      s.append("<defs><linearGradient id=\"shade\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">");
      for (int i = 0; i <= 4; i++) {
        s.append(String.format(Locale.ROOT, "<stop offset=\"%d%%\" stop-color=\"%s\"/>", i * 25, ramp(i / 4.0)));
      }
      s.append("</linearGradient></defs>");
      s.append(String.format(Locale.ROOT, "<rect class=\"legend\" x=\"%d\" y=\"%d\" width=\"14\" height=\"%d\" "
          + "fill=\"url(#shade)\" stroke=\"#888\"/>", lx, PAD, bar));
      text(s, lx + 20, PAD + 8, "start", num(hi) + " (high)");
      text(s, lx + 20, PAD + bar, "start", num(lo) + " (low)");
    }
    return s.append("</svg>").toString();
  }

  /** The colour of category {@code k}; after the palette's ten, they repeat. */
  static String category(int k) {
    return PALETTE[Math.floorMod(k, PALETTE.length)];
  }

  private static String shorten(String name) {
    return name.length() > 16 ? name.substring(0, 15) + "…" : name;
  }

  /**
   * A histogram of {@code values} in {@code bins} bins, with a dashed red line at {@code threshold}
   * (NaN for none) labelled {@code thresholdLabel}.
   */
  static String histogram(double[] values, int bins, double threshold, String thresholdLabel, String xLabel) {
    double[] b = bounds(values);
    if (Double.isFinite(threshold)) {
      b[0] = Math.min(b[0], threshold);
      b[1] = Math.max(b[1], threshold + (b[1] - b[0]) * 0.05);
    }
    int[] counts = new int[bins];
    for (double v : values) {
      int i = (int) Math.floor((v - b[0]) / (b[1] - b[0]) * bins);
      counts[Math.max(0, Math.min(bins - 1, i))]++;
    }
    int max = 1;
    for (int c : counts) {
      max = Math.max(max, c);
    }
    StringBuilder s = open();
    axes(s, xLabel, "rows");
    double w = (WIDTH - 2.0 * PAD) / bins;
    for (int i = 0; i < bins; i++) {
      double h = (HEIGHT - 2.0 * PAD) * counts[i] / max;
      s.append(String.format(Locale.ROOT,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4c78a8\"><title>%d rows in [%s, %s)</title></rect>",
          PAD + i * w + 0.5, HEIGHT - PAD - h, Math.max(0.5, w - 1), h, counts[i],
          num(b[0] + i * (b[1] - b[0]) / bins), num(b[0] + (i + 1) * (b[1] - b[0]) / bins)));
    }
    text(s, PAD, HEIGHT - PAD + 14, "start", num(b[0]));
    text(s, WIDTH - PAD, HEIGHT - PAD + 14, "end", num(b[1]));
    text(s, PAD - 4, PAD + 4, "end", Integer.toString(max));
    if (Double.isFinite(threshold)) {
      double x = PAD + (threshold - b[0]) / (b[1] - b[0]) * (WIDTH - 2 * PAD);
      s.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>",
          x, PAD - 6, x, HEIGHT - PAD));
      boolean right = x > WIDTH / 2.0;
      text(s, right ? x - 4 : x + 4, PAD - 10, right ? "end" : "start", thresholdLabel);
    }
    return s.append("</svg>").toString();
  }

  /** A named series of a line chart: one value per x = 1, 2, 3, ... */
  record Series(String name, List<Double> values) {}

  /**
   * A line chart of {@code series} over x = 1..n (epochs), one colour each, with a legend; a
   * series of one value is a dot.
   */
  static String lines(List<Series> series, String xLabel, String yLabel) {
    double[] all = series.stream().flatMap(c -> c.values().stream()).mapToDouble(Double::doubleValue).toArray();
    int n = Math.max(1, series.stream().mapToInt(c -> c.values().size()).max().orElse(1));
    double[] by = bounds(all);
    StringBuilder s = open();
    axes(s, xLabel, yLabel);
    java.util.function.IntToDoubleFunction x = i -> n == 1 ? WIDTH / 2.0 : PAD + (i - 1.0) / (n - 1) * (WIDTH - 2 * PAD);
    java.util.function.DoubleUnaryOperator y = v -> HEIGHT - PAD - (v - by[0]) / (by[1] - by[0]) * (HEIGHT - 2 * PAD);
    for (int k = 0; k < series.size(); k++) {
      Series c = series.get(k);
      String colour = PALETTE[k % PALETTE.length];
      StringBuilder path = new StringBuilder();
      for (int i = 0; i < c.values().size(); i++) {
        double v = c.values().get(i);
        if (!Double.isFinite(v)) {
          continue;
        }
        path.append(path.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x.applyAsDouble(i + 1),
            y.applyAsDouble(v)));
        s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"><title>%s, "
            + "%s %d: %s</title></circle>", x.applyAsDouble(i + 1), y.applyAsDouble(v), colour, Html.esc(c.name()),
            Html.esc(xLabel), i + 1, num(v)));
      }
      s.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(colour)
          .append("\" stroke-width=\"2\"/>");
      double ly = PAD - 12 + 14 * k;
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
          + "stroke-width=\"3\"/>", WIDTH - PAD - 120, ly - 4, WIDTH - PAD - 104, ly - 4, colour));
      text(s, WIDTH - PAD - 100, ly, "start", c.name());
    }
    text(s, PAD, HEIGHT - PAD + 14, "start", "1");
    text(s, WIDTH - PAD, HEIGHT - PAD + 14, "end", Integer.toString(n));
    // Inside the plot, right of the axis: a loss such as 0.5049 is wider than the left margin.
    text(s, PAD + 4, PAD + 4, "start", num(by[1]));
    text(s, PAD + 4, HEIGHT - PAD - 4, "start", num(by[0]));
    return s.append("</svg>").toString();
  }

  static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e9) {
      return Long.toString((long) v);
    }
    double a = Math.abs(v);
    return a >= 1e4 || a < 1e-3 ? String.format(Locale.ROOT, "%.2e", v) : String.format(Locale.ROOT, "%.4g", v);
  }

  private static StringBuilder open() {
    return new StringBuilder(4096).append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            + "font-family=\"sans-serif\" font-size=\"11\"><rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>",
        WIDTH, HEIGHT, WIDTH, HEIGHT));
  }

  private static void axes(StringBuilder s, String xLabel, String yLabel) {
    s.append(String.format(Locale.ROOT,
        "<path d=\"M%d %d V%d H%d\" fill=\"none\" stroke=\"#888\"/>", PAD, PAD - 6, HEIGHT - PAD, WIDTH - PAD + 6));
    text(s, WIDTH / 2.0, HEIGHT - 6, "middle", xLabel);
    s.append(String.format(Locale.ROOT,
        "<text x=\"12\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 12 %d)\" fill=\"#444\">%s</text>",
        HEIGHT / 2, HEIGHT / 2, Html.esc(yLabel)));
  }

  private static void text(StringBuilder s, double x, double y, String anchor, String text) {
    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"#444\">%s</text>",
        x, y, anchor, Html.esc(text)));
  }

  /** Low blue to high red, through yellow. */
  private static String ramp(double t) {
    double v = Double.isFinite(t) ? Math.max(0, Math.min(1, t)) : 0;
    int r = (int) Math.round(v < 0.5 ? 40 + v * 2 * 215 : 255);
    int g = (int) Math.round(v < 0.5 ? 120 + v * 2 * 100 : 220 - (v - 0.5) * 2 * 180);
    int b = (int) Math.round(v < 0.5 ? 200 - v * 2 * 160 : 40);
    return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
  }

  private static double[] bounds(double[] values) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      if (Double.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    if (!(min <= max)) {
      return new double[] {0, 1};
    }
    if (min == max) {
      return new double[] {min - 0.5, max + 0.5};
    }
    double pad = (max - min) * 0.05;
    return new double[] {min - pad, max + pad};
  }
}
