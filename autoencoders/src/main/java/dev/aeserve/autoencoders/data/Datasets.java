package dev.aeserve.autoencoders.data;

import dev.aeserve.autoencoders.Matrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Reads a feature matrix from a file, choosing the reader by content and name. */
public final class Datasets {
  /** Where the Debian package {@code dataset-fashion-mnist} puts its files. */
  public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  /** Fashion-MNIST's class names, by the label value its label files hold (0 to 9). */
  public static final java.util.List<String> FASHION_MNIST_CLASSES = java.util.List.of("T-shirt/top", "Trouser",
      "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  private Datasets() {}

  /**
   * IDX image files (plain or gzip, recognized by their magic) become pixel rows in [0, 1];
   * files named {@code .csv} or {@code .txt} are read as CSV.
   */
  public static Matrix read(Path path) throws IOException {
    int magic = IdxReader.magic(path);
    if (magic == IdxReader.IMAGES_MAGIC) {
      return IdxReader.readImages(path);
    }
    if (magic == IdxReader.LABELS_MAGIC) {
      throw new MalformedDatasetException(path + " is an IDX label file, not features; read it with IdxReader.readLabels");
    }
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".csv") || name.endsWith(".txt")) {
      return CsvMatrixReader.read(path);
    }
    throw new MalformedDatasetException(path + ": neither an IDX image file nor a .csv file");
  }
}
