package dev.aeserve.autoencoders.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.Matrix;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir
  Path dir;

  /** Three 2x3 images with pixel value (image * 6 + pixel) * 10, so 0..170. */
  private static byte[] images() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0x00000803);
    out.writeInt(3);
    out.writeInt(2);
    out.writeInt(3);
    for (int i = 0; i < 18; i++) {
      out.writeByte(i * 10);
    }
    out.writeByte(0); // not part of any image
    return bytes.toByteArray();
  }

  private static byte[] labels() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0x00000801);
    out.writeInt(3);
    out.write(new byte[] {7, 0, (byte) 200});
    return bytes.toByteArray();
  }

  private Path gzip(String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
      out.write(content);
    }
    return p;
  }

  @Test
  void readsImagesScaledToTheUnitInterval() throws IOException {
    Path plain = Files.write(dir.resolve("train-images-idx3-ubyte"), images());

    Matrix m = IdxReader.readImages(plain);

    assertThat(m.rows()).isEqualTo(3);
    assertThat(m.cols()).isEqualTo(6);
    assertThat(m.get(0, 0)).isEqualTo(0f);
    assertThat(m.get(1, 2)).isEqualTo(80 / 255f);
    assertThat(m.get(2, 5)).isEqualTo(170 / 255f);
  }

  @Test
  void readsGzipCompressedFilesAndLabels() throws IOException {
    Path images = gzip("train-images-idx3-ubyte.gz", images());
    Path labels = gzip("train-labels-idx1-ubyte.gz", labels());

    assertThat(IdxReader.readImages(images)).isEqualTo(IdxReader.readImages(Files.write(dir.resolve("x"), images())));
    assertThat(IdxReader.readImages(images, 2).rows()).isEqualTo(2);
    assertThat(IdxReader.readLabels(labels)).containsExactly(7, 0, 200);
    assertThat(Datasets.read(images).rows()).isEqualTo(3);
  }

  @Test
  void refusesWrongMagicAndTruncatedFiles() throws IOException {
    Path labels = Files.write(dir.resolve("labels"), labels());
    assertThatThrownBy(() -> IdxReader.readImages(labels))
        .isInstanceOf(MalformedDatasetException.class).hasMessageContaining("not an IDX image file");
    assertThatThrownBy(() -> Datasets.read(labels))
        .isInstanceOf(MalformedDatasetException.class).hasMessageContaining("label file");

    byte[] full = images();
    Path truncated = Files.write(dir.resolve("short"), java.util.Arrays.copyOf(full, 20));
    assertThatThrownBy(() -> IdxReader.readImages(truncated))
        .isInstanceOf(MalformedDatasetException.class).hasMessageContaining("file ends before");
  }
}
