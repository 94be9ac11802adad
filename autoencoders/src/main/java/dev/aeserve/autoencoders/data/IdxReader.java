package dev.aeserve.autoencoders.data;

import dev.aeserve.autoencoders.Matrix;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads unsigned-byte IDX files, the format of MNIST and Fashion-MNIST, plain or gzip-compressed
 * (detected by content, not by name).
 *
 * <p>Images (magic 0x00000803, N x rows x cols) become an N x (rows * cols) matrix scaled from
 * [0, 255] to [0, 1]; labels (magic 0x00000801, N) become an int array.
 */
public final class IdxReader {
  public static final int IMAGES_MAGIC = 0x00000803;
  public static final int LABELS_MAGIC = 0x00000801;

  private IdxReader() {}

  public static Matrix readImages(Path path) throws IOException {
    return readImages(path, Integer.MAX_VALUE);
  }

  /** Reads at most {@code maxRows} images from the start of the file. */
  public static Matrix readImages(Path path, int maxRows) throws IOException {
    try (DataInputStream in = open(path)) {
      int magic = in.readInt();
      if (magic != IMAGES_MAGIC) {
        throw new MalformedDatasetException(path + ": not an IDX image file (magic 0x"
            + Integer.toHexString(magic) + ", want 0x00000803)");
      }
      int count = in.readInt();
      int height = in.readInt();
      int width = in.readInt();
      if (count < 0 || height < 1 || width < 1) {
        throw new MalformedDatasetException(path + ": bad IDX dimensions " + count + "x" + height + "x" + width);
      }
      int rows = Math.min(count, maxRows);
      int cols = height * width;
      if ((long) rows * cols > Integer.MAX_VALUE - 8) {
        throw new MalformedDatasetException(path + ": " + rows + " images of " + cols + " pixels do not fit one matrix");
      }
      byte[] pixels = readFully(in, rows * cols, path, rows + " images of " + height + "x" + width);
      float[] data = new float[pixels.length];
      for (int i = 0; i < pixels.length; i++) {
        data[i] = (pixels[i] & 0xff) / 255f;
      }
      return new Matrix(rows, cols, data);
    }
  }

  public static int[] readLabels(Path path) throws IOException {
    try (DataInputStream in = open(path)) {
      int magic = in.readInt();
      if (magic != LABELS_MAGIC) {
        throw new MalformedDatasetException(path + ": not an IDX label file (magic 0x"
            + Integer.toHexString(magic) + ", want 0x00000801)");
      }
      int count = in.readInt();
      if (count < 0) {
        throw new MalformedDatasetException(path + ": negative label count " + count);
      }
      byte[] raw = readFully(in, count, path, count + " labels");
      int[] labels = new int[count];
      for (int i = 0; i < count; i++) {
        labels[i] = raw[i] & 0xff;
      }
      return labels;
    }
  }

  /** The IDX magic at the start of a file (after gunzip when compressed), or -1 if it is shorter. */
  public static int magic(Path path) throws IOException {
    try (DataInputStream in = open(path)) {
      return in.readInt();
    } catch (EOFException e) {
      return -1;
    }
  }

  static DataInputStream open(Path path) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
    try {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      boolean gzip = b0 == 0x1f && b1 == 0x8b;
      return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
    } catch (IOException e) {
      raw.close();
      throw e;
    }
  }

  private static byte[] readFully(DataInputStream in, int n, Path path, String what) throws IOException {
    byte[] bytes = new byte[n];
    try {
      in.readFully(bytes);
    } catch (EOFException e) {
      throw new MalformedDatasetException(path + ": file ends before its header's " + what, e);
    }
    return bytes;
  }
}
