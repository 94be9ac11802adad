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

  private final Matrix m = new Matrix(2, 3, new float[] {1, 2, 3, 4.5f, -5, 6e-3f});

  @Test
  void valuesAndRawBytesCarryTheSameMatrix() {
    dev.aeserve.proto.v1.Matrix values = MatrixCodec.encode(m, MatrixEncoding.MATRIX_ENCODING_VALUES);
    dev.aeserve.proto.v1.Matrix raw = MatrixCodec.encode(m, MatrixEncoding.MATRIX_ENCODING_RAW_LE);
    assertThat(values.getValuesCount()).isEqualTo(6);
    assertThat(raw.getRawLe().size()).isEqualTo(24);
    assertThat(MatrixCodec.decode(values, "x")).isEqualTo(m);
    assertThat(MatrixCodec.decode(raw, "x")).isEqualTo(m);
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
    var emptyWithValues = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(0).setCols(3).addValues(1).build();
    assertThatThrownBy(() -> MatrixCodec.decode(emptyWithValues, "inputs")).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("needs 0 values, got 1");
    var empty = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(0).setCols(3).build();
    assertThat(MatrixCodec.decode(empty, "inputs").rows()).isZero();
    var short_ = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(2).setCols(2).addValues(1).build();
    assertThatThrownBy(() -> MatrixCodec.decode(short_, "inputs")).hasMessageContaining("needs 4 values, got 1");
    var both = MatrixCodec.encode(m, MatrixEncoding.MATRIX_ENCODING_VALUES).toBuilder()
        .setRawLe(ByteString.copyFrom(new byte[24])).build();
    assertThatThrownBy(() -> MatrixCodec.decode(both, "inputs")).hasMessageContaining("both values and raw_le");
    var badRaw = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(1).setCols(2)
        .setRawLe(ByteString.copyFrom(new byte[7])).build();
    assertThatThrownBy(() -> MatrixCodec.decode(badRaw, "inputs")).hasMessageContaining("needs 8 bytes");
  }

  @Test
  void readsUnsignedShapesAsUnsignedAndNeverAllocatesWhatAShapeClaims() {
    // 4294967295 x 4294967295 with one value: read as -1 x -1 once; now refused as itself.
    var huge = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(-1).setCols(-1).addValues(0.5f).build();
    assertThatThrownBy(() -> MatrixCodec.decode(huge, "inputs")).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("4294967295x4294967295");
    // 100000 x 5000 would be 2 GB of floats: refused on the count, before any allocation.
    var claimed = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(100_000).setCols(5_000).addValues(1).build();
    assertThatThrownBy(() -> MatrixCodec.decode(claimed, "inputs")).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("needs 500000000 values, got 1");
  }

  @Test
  void leavesValuesToAdmission() {
    var nan = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(1).setCols(2).addValues(0).addValues(Float.NaN).build();
    assertThat(MatrixCodec.decode(nan, "inputs").data()[1]).isNaN();
  }
}
