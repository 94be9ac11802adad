package dev.aeserve.cli;

import dev.aeserve.autoencoders.data.IdxReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/** A label per data row: an IDX label file (.gz fine) or one label per line. */
final class LabelFile {

  private LabelFile() {}

  static List<String> read(Path file, int rows) {
    if (!Files.isReadable(file)) {
      throw new CliException("cannot read " + file);
    }
    List<String> labels;
    try {
      if (IdxReader.magic(file) == IdxReader.LABELS_MAGIC) {
        labels = Arrays.stream(IdxReader.readLabels(file)).mapToObj(String::valueOf).toList();
      } else {
        labels = Files.readAllLines(file).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
      }
    } catch (IOException e) {
      throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (labels.size() < rows) {
      throw new CliException(file + " has " + labels.size() + " labels for " + rows + " rows");
    }
    return labels.subList(0, rows);
  }

  /** The distinct labels, numerically sorted when all are integers, else alphabetically. */
  static List<String> names(List<String> labels) {
    List<String> names = new ArrayList<>(new LinkedHashSet<>(labels));
    boolean numeric = names.stream().allMatch(s -> s.matches("-?\\d{1,9}"));
    names.sort(numeric ? Comparator.comparingInt(Integer::parseInt) : Comparator.naturalOrder());
    return names;
  }

  /** 0/1 (or false/true) anomaly labels. */
  static boolean[] anomalies(Path file, int rows) {
    List<String> labels = read(file, rows);
    boolean[] out = new boolean[rows];
    for (int i = 0; i < rows; i++) {
      String s = labels.get(i);
      out[i] = switch (s) {
        case "1", "true" -> true;
        case "0", "false" -> false;
        default -> throw new CliException(file + " line " + (i + 1) + ": anomaly label must be 0 or 1, got '" + s + "'");
      };
    }
    return out;
  }
}
