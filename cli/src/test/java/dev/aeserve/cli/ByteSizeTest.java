package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {

  @Test
  void readsBytesAndPowersOf1024() {
    assertThat(ByteSize.parse("0")).isZero();
    assertThat(ByteSize.parse("4096")).isEqualTo(4096);
    assertThat(ByteSize.parse("512MiB")).isEqualTo(512L << 20);
    assertThat(ByteSize.parse("2GiB")).isEqualTo(2L << 30);
    assertThat(ByteSize.parse("2gb")).isEqualTo(2L << 30);
    assertThat(ByteSize.parse("64KiB")).isEqualTo(64L << 10);
  }

  @Test
  void refusesWhatIsNotASize() {
    for (String bad : new String[] {"", "lots", "-1", "1.5GiB", "99999999999TiB"}) {
      assertThatThrownBy(() -> ByteSize.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not a size");
    }
  }
}
