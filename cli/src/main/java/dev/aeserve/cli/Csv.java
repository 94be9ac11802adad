package dev.aeserve.cli;

import dev.aeserve.autoencoders.data.CsvMatrixReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** CSV in and out for the inference commands; {@code -} reads standard input. */
final class Csv {

  private Csv() {}

  static float[][] read(Path input) {
    try {
      if (input.toString().equals("-")) {
        return CsvMatrixReader.read(new InputStreamReader(System.in, StandardCharsets.UTF_8), "<stdin>").toArray();
      }
      return CsvMatrixReader.read(input).toArray();
    } catch (IOException e) {
      throw new CliException("cannot read " + input + ": " + e.getMessage(), e);
    }
  }

  static void write(PrintStream out, float[][] rows) {
    StringBuilder line = new StringBuilder();
    for (float[] row : rows) {
      line.setLength(0);
      for (int c = 0; c < row.length; c++) {
        if (c > 0) {
          line.append(',');
        }
        line.append(row[c]);
      }
      out.println(line);
    }
    out.flush();
  }
}
