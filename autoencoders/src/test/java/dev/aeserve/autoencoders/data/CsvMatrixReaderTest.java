package dev.aeserve.autoencoders.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.Matrix;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvMatrixReaderTest {
  @TempDir
  Path dir;

  @Test
  void readsWithAndWithoutAHeader() throws IOException {
    Matrix withHeader = CsvMatrixReader.read(new StringReader("a,b,c\n1,2,3\n\n4.5, -1e-2 ,6\n"), "t.csv");
    Matrix without = CsvMatrixReader.read(new StringReader("1,2,3\n4.5,-0.01,6"), "t.csv");

    assertThat(withHeader).isEqualTo(Matrix.of(new float[][] {{1, 2, 3}, {4.5f, -0.01f, 6}}));
    assertThat(without).isEqualTo(withHeader);
  }

  @Test
  void badValuesAndRaggedRowsNameTheLine() {
    assertThatThrownBy(() -> CsvMatrixReader.read(new StringReader("x,y\n1,2\n3,oops\n"), "d.csv"))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessage("d.csv: line 3, column 2: 'oops' is not a number");
    assertThatThrownBy(() -> CsvMatrixReader.read(new StringReader("1,2\n3,4\n5\n"), "d.csv"))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessage("d.csv: line 3 has 1 values, earlier rows have 2");
    assertThatThrownBy(() -> CsvMatrixReader.read(new StringReader("1,2\n3,NaN\n"), "d.csv"))
        .isInstanceOf(MalformedDatasetException.class).hasMessageContaining("not a finite number");
    assertThatThrownBy(() -> CsvMatrixReader.read(new StringReader("a,b\n"), "d.csv"))
        .isInstanceOf(MalformedDatasetException.class).hasMessageContaining("no data rows");
  }

  @Test
  void datasetsPicksCsvByName() throws IOException {
    Path csv = Files.writeString(dir.resolve("rows.csv"), "f1,f2\n0.1,0.2\n0.3,0.4\n");

    assertThat(Datasets.read(csv).rows()).isEqualTo(2);
    Path unknown = Files.writeString(dir.resolve("rows.bin"), "0.1,0.2\n");
    assertThatThrownBy(() -> Datasets.read(unknown)).isInstanceOf(MalformedDatasetException.class);
  }

  @Test
  void syntheticDataIsSeededAndInTheUnitInterval() {
    Matrix a = SyntheticData.manifold(50, 7, 11);
    Matrix b = SyntheticData.manifold(50, 7, 11);

    assertThat(a).isEqualTo(b);
    assertThat(SyntheticData.manifold(50, 7, 12)).isNotEqualTo(a);
    for (float v : a.data()) {
      assertThat(v).isBetween(0f, 1f);
    }
  }
}
