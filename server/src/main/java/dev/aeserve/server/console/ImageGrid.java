package dev.aeserve.server.console;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * Rows of a model's inputs or outputs drawn as a grid of images: {@code columns} tiles a line, each
 * tile one row scaled up by {@code scale} pixels per value, {@link #GAP} pixels apart. A flagged
 * tile gets a red frame (an anomalous reconstruction). Values map to grey levels over [0, 1] when
 * they lie in it (sigmoid outputs, pixel intensities), else over the grid's own min and max.
 * Used by the console's pictures and by the CLI's {@code --png}.
 */
public final class ImageGrid {

  public static final int GAP = 4;
  private static final Color BACKGROUND = new Color(0xf4, 0xf5, 0xf7);
  private static final Color FLAG = new Color(0xd9, 0x2d, 0x20);

  private final ImageShape shape;
  private final int scale;

  public ImageGrid(ImageShape shape, int scale) {
    this.shape = Objects.requireNonNull(shape, "shape");
    if (scale < 1 || scale > 32) {
      throw new IllegalArgumentException("scale must be in [1, 32], got " + scale);
    }
    this.scale = scale;
  }

  /** A scale that draws a tile about {@code pixels} wide. */
  public static int scaleFor(ImageShape shape, int pixels) {
    return Math.max(1, Math.min(32, Math.round((float) pixels / shape.width())));
  }

  /** Width in pixels of a grid {@code columns} tiles wide. */
  public int width(int columns) {
    return GAP + columns * (shape.width() * scale + GAP);
  }

  /** Height in pixels of a grid {@code lines} tiles high. */
  public int height(int lines) {
    return GAP + lines * (shape.height() * scale + GAP);
  }

  /**
   * Draws {@code rows} (each {@link ImageShape#values()} long) left to right, top to bottom.
   *
   * @param flagged per row whether to frame it in red, or null
   */
  public BufferedImage draw(float[][] rows, int columns, boolean[] flagged) {
    if (columns < 1) {
      throw new IllegalArgumentException("columns must be >= 1, got " + columns);
    }
    int lines = Math.max(1, (rows.length + columns - 1) / columns);
    BufferedImage img = new BufferedImage(width(Math.min(columns, Math.max(1, rows.length))), height(lines),
        BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setColor(BACKGROUND);
      g.fillRect(0, 0, img.getWidth(), img.getHeight());
      float[] range = range(rows);
      int tileW = shape.width() * scale;
      int tileH = shape.height() * scale;
      for (int i = 0; i < rows.length; i++) {
        if (rows[i].length != shape.values()) {
          throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values; a " + shape.channels()
              + "x" + shape.height() + "x" + shape.width() + " image has " + shape.values());
        }
        int x0 = GAP + (i % columns) * (tileW + GAP);
        int y0 = GAP + (i / columns) * (tileH + GAP);
        if (flagged != null && i < flagged.length && flagged[i]) {
          g.setColor(FLAG);
          g.fillRect(x0 - GAP / 2 - 1, y0 - GAP / 2 - 1, tileW + GAP + 2, tileH + GAP + 2);
        }
        tile(img, rows[i], x0, y0, range);
      }
    } finally {
      g.dispose();
    }
    return img;
  }

  /** {@link #draw} as PNG bytes. */
  public byte[] png(float[][] rows, int columns, boolean[] flagged) {
    return encode(draw(rows, columns, flagged));
  }

  public static byte[] encode(BufferedImage img) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private void tile(BufferedImage img, float[] row, int x0, int y0, float[] range) {
    int plane = shape.height() * shape.width();
    for (int y = 0; y < shape.height(); y++) {
      for (int x = 0; x < shape.width(); x++) {
        int p = y * shape.width() + x;
        int r = level(row[p], range);
        int g = shape.channels() == 3 ? level(row[plane + p], range) : r;
        int b = shape.channels() == 3 ? level(row[2 * plane + p], range) : r;
        int rgb = (r << 16) | (g << 8) | b;
        for (int dy = 0; dy < scale; dy++) {
          for (int dx = 0; dx < scale; dx++) {
            img.setRGB(x0 + x * scale + dx, y0 + y * scale + dy, rgb);
          }
        }
      }
    }
  }

  private static int level(float v, float[] range) {
    float t = (v - range[0]) / (range[1] - range[0]);
    return Math.round(255 * Math.max(0, Math.min(1, t)));
  }

  private static float[] range(float[][] rows) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float[] row : rows) {
      for (float v : row) {
        if (Float.isFinite(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
    }
    if (!(min < max)) {
      return new float[] {0, 1};
    }
    // A little outside [0, 1] is still [0, 1]: an identity output overshoots slightly.
    if (min >= -0.05f && max <= 1.05f) {
      return new float[] {0, 1};
    }
    return new float[] {min, max};
  }
}
