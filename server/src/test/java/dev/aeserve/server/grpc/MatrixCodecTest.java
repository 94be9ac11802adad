package dev.aeserve.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.server.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class MatrixCodecTest {

  private final MatrixCodec codec = new MatrixCodec(4);
  private final Matrix m = new Matrix(2, 3, new float[] {1, 2, 3, 4.5f, -5, 6e-3f});

  @Test
  void valuesAndRawBytesCarryTheSameMatrix() {
    dev.aeserve.proto.v1.Matrix values = MatrixCodec.encode(m, MatrixEncoding.MATRIX_ENCODING_VALUES);
    dev.aeserve.proto.v1.Matrix raw = MatrixCodec.encode(m, MatrixEncoding.MATRIX_ENCODING_RAW_LE);
    assertThat(values.getValuesCount()).isEqualTo(6);
    assertThat(raw.getRawLe().size()).isEqualTo(24);
    assertThat(codec.decode(values, "x")).isEqualTo(m);
    assertThat(codec.decode(raw, "x")).isEqualTo(m);
  }

  @Test
  void rawBytesAreLittleEndian() {
    dev.aeserve.proto.v1.Matrix raw = MatrixCodec.encode(m, MatrixEncoding.MATRIX_ENCODING_RAW_LE);
    float first = ByteBuffer.wrap(raw.getRawLe().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
    assertThat(first).isEqualTo(1f);
  }

  @Test
  void responsesFollowTheRequestEncodingUnlessAsked() {
    dev.aeserve.proto.v1.Matrix raw = MatrixCodec.encode(m, MatrixEncoding.MATRIX_ENCODING_RAW_LE);
    assertThat(MatrixCodec.responseEncoding(MatrixEncoding.MATRIX_ENCODING_UNSPECIFIED, raw))
        .isEqualTo(MatrixEncoding.MATRIX_ENCODING_RAW_LE);
    assertThat(MatrixCodec.responseEncoding(MatrixEncoding.MATRIX_ENCODING_VALUES, raw))
        .isEqualTo(MatrixEncoding.MATRIX_ENCODING_VALUES);
  }

  @Test
  void refusesMalformedMatrices() {
    var empty = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(0).setCols(3).build();
    assertThatThrownBy(() -> codec.decode(empty, "inputs")).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("inputs is empty");
    var tooMany = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(5).setCols(1)
        .addValues(1).addValues(1).addValues(1).addValues(1).addValues(1).build();
    assertThatThrownBy(() -> codec.decode(tooMany, "inputs")).hasMessageContaining("at most 4 rows");
    var short_ = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(2).setCols(2).addValues(1).build();
    assertThatThrownBy(() -> codec.decode(short_, "inputs")).hasMessageContaining("needs 4 values, got 1");
    var both = MatrixCodec.encode(m, MatrixEncoding.MATRIX_ENCODING_VALUES).toBuilder()
        .setRawLe(ByteString.copyFrom(new byte[24])).build();
    assertThatThrownBy(() -> codec.decode(both, "inputs")).hasMessageContaining("both values and raw_le");
    var badRaw = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(1).setCols(2)
        .setRawLe(ByteString.copyFrom(new byte[7])).build();
    assertThatThrownBy(() -> codec.decode(badRaw, "inputs")).hasMessageContaining("needs 8 bytes");
  }

  @Test
  void refusesNonFiniteValuesNamingRowAndColumn() {
    var nan = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(2).setCols(2)
        .addValues(0).addValues(1).addValues(2).addValues(Float.NaN).build();
    assertThatThrownBy(() -> codec.decode(nan, "inputs")).hasMessageContaining("row 1 column 1 is NaN");
    var inf = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(1).setCols(1).addValues(Float.NEGATIVE_INFINITY).build();
    assertThatThrownBy(() -> codec.decode(inf, "inputs")).hasMessageContaining("-Infinity");
  }
}
