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
  private static final String[] PALETTE = {
      "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

  private Svg() {}

  /** A point of a scatter plot: where, its colour value in [0, 1] or a category, and a tooltip. */
  record Point(double x, double y, double shade, int category, String title) {}

  static String scatter(List<Point> points, boolean categorical, String xLabel, String yLabel, String legend) {
    double[] xs = points.stream().mapToDouble(Point::x).toArray();
    double[] ys = points.stream().mapToDouble(Point::y).toArray();
    double[] bx = bounds(xs);
    double[] by = bounds(ys);
    StringBuilder s = open();
    axes(s, xLabel, yLabel);
    for (Point p : points) {
      double cx = PAD + (p.x() - bx[0]) / (bx[1] - bx[0]) * (WIDTH - 2 * PAD);
      double cy = HEIGHT - PAD - (p.y() - by[0]) / (by[1] - by[0]) * (HEIGHT - 2 * PAD);
      String colour = categorical ? PALETTE[Math.floorMod(p.category(), PALETTE.length)] : ramp(p.shade());
      s.append(String.format(Locale.ROOT,
          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" fill-opacity=\"0.85\" stroke=\"#333\" stroke-width=\"0.5\">"
              + "<title>%s</title></circle>", cx, cy, colour, Html.esc(p.title())));
    }
    text(s, WIDTH - PAD, PAD - 12, "end", legend);
    return s.append("</svg>").toString();
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
