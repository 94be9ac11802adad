package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WeightsArtifactTest {

  @Test
  void sectionsSurviveTheRoundTrip() {
    WeightsArtifact artifact = new WeightsArtifact(new byte[] {1, 2, 3}, new byte[] {4, 5});

    WeightsArtifact back = WeightsArtifact.parse(artifact.toBytes());

    assertThat(back.encoder()).containsExactly(1, 2, 3);
    assertThat(back.decoder()).containsExactly(4, 5);
  }

  @Test
  void garbageIsNotAnArtifact() {
    assertThatThrownBy(() -> WeightsArtifact.parse("this is not a model".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IncompatibleWeightsException.class).hasMessageContaining("magic 'AEWT'");
    assertThatThrownBy(() -> WeightsArtifact.parse(new byte[3]))
        .isInstanceOf(IncompatibleWeightsException.class).hasMessageContaining("too short");
  }

  @Test
  void truncatedCorruptAndFutureArtifactsAreRefused() {
    byte[] good = new WeightsArtifact(new byte[100], new byte[50]).toBytes();

    byte[] truncated = Arrays.copyOf(good, good.length - 60);
    assertThatThrownBy(() -> WeightsArtifact.parse(truncated))
        .isInstanceOf(IncompatibleWeightsException.class).hasMessageContaining("truncated");

    byte[] flipped = good.clone();
    flipped[40] ^= 1;
    assertThatThrownBy(() -> WeightsArtifact.parse(flipped))
        .isInstanceOf(IncompatibleWeightsException.class).hasMessageContaining("checksum");

    byte[] future = good.clone();
    future[7] = 9;
    assertThatThrownBy(() -> WeightsArtifact.parse(future))
        .isInstanceOf(IncompatibleWeightsException.class).hasMessageContaining("format version 9");
  }
}
