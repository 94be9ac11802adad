package dev.aeserve.autoencoders.data;

import dev.aeserve.autoencoders.Matrix;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a numeric comma-separated file into a matrix. A first line that is not all numbers is
 * taken as a header and skipped; blank lines are skipped. Every other line must hold the same
 * number of finite numbers, or the reader stops with the line number and what is wrong.
 */
public final class CsvMatrixReader {
  private CsvMatrixReader() {}

  public static Matrix read(Path path) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      return read(in, path.toString());
    }
  }

  /** @param source names the input in messages, such as a file name */
  public static Matrix read(Reader reader, String source) throws IOException {
    BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    float[] data = new float[1024];
    int size = 0;
    int cols = -1;
    int rows = 0;
    int lineNo = 0;
    boolean headerChecked = false;
    String line;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      String[] fields = line.split(",", -1);
      if (!headerChecked) {
        headerChecked = true;
        if (isHeader(fields)) {
          continue;
        }
      }
      if (cols == -1) {
        cols = fields.length;
      } else if (fields.length != cols) {
        throw new MalformedDatasetException(source + ": line " + lineNo + " has " + fields.length
            + " values, earlier rows have " + cols);
      }
      if (size + cols > data.length) {
        data = Arrays.copyOf(data, Math.max(data.length * 2, size + cols));
      }
      for (int c = 0; c < cols; c++) {
        data[size++] = parse(fields[c], source, lineNo, c);
      }
      rows++;
    }
    if (rows == 0) {
      throw new MalformedDatasetException(source + ": no data rows");
    }
    return new Matrix(rows, cols, Arrays.copyOf(data, size));
  }

  private static boolean isHeader(String[] fields) {
    for (String f : fields) {
      try {
        Float.parseFloat(f.trim());
      } catch (NumberFormatException e) {
        return true;
      }
    }
    return false;
  }

  private static float parse(String field, String source, int lineNo, int col) {
    String f = field.trim();
    float v;
    try {
      v = Float.parseFloat(f);
    } catch (NumberFormatException e) {
      throw new MalformedDatasetException(source + ": line " + lineNo + ", column " + (col + 1) + ": '" + f
          + "' is not a number");
    }
    if (!Float.isFinite(v)) {
      throw new MalformedDatasetException(source + ": line " + lineNo + ", column " + (col + 1) + ": '" + f
          + "' is not a finite number");
    }
    return v;
  }
}
