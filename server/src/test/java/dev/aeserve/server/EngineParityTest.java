package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.EncodeResult;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.client.ReconstructResult;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** One registered artifact, served by an MXNet server and a PyTorch server: the same answers. */
class EngineParityTest {

  @Test
  void theSameArtifactEncodesAndReconstructsAlikeOnMxnetAndPytorch() {
    try (ServerFixture mxnet = ServerFixture.start()) {
      mxnet.register("parity-ae", ServerFixture.tinyModel(16, 1));
      float[][] rows = SyntheticData.manifold(32, 16, 11).toArray();

      String name = InProcessServerBuilder.generateName();
      ServerConfig config = ServerConfig.defaults().withEngine(EngineKind.PYTORCH).withPreload(false);
      try (AeServer pytorch = AeServer.start(InProcessServerBuilder.forName(name).directExecutor(), mxnet.registry, config)) {
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try (AeserveClient pt = AeserveClient.forChannel(channel, Duration.ofSeconds(60))) {
          EncodeResult a = mxnet.client.encode(ModelSelector.model("parity-ae"), rows);
          EncodeResult b = pt.encode(ModelSelector.model("parity-ae"), rows);
          assertThat(a.servedBy().engine()).isEqualTo("MXNet");
          assertThat(b.servedBy().engine()).isEqualTo("PyTorch");
          assertThat(b.latentFingerprint()).isEqualTo(a.latentFingerprint());
          for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < a.latents()[i].length; j++) {
              assertThat(b.latents()[i][j]).isCloseTo(a.latents()[i][j], within(1e-5f));
            }
          }
          ReconstructResult ra = mxnet.client.reconstruct(ModelSelector.model("parity-ae"), rows);
          ReconstructResult rb = pt.reconstruct(ModelSelector.model("parity-ae"), rows);
          for (int i = 0; i < rows.length; i++) {
            assertThat(rb.scores()[i]).isCloseTo(ra.scores()[i], within(1e-5f));
          }
        } finally {
          channel.shutdownNow();
        }
      }
    }
  }
}
