package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.client.AeserveException;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.proto.v1.ModelDetails;
import dev.aeserve.proto.v1.ModelRegistryGrpc;
import dev.aeserve.proto.v1.GetVersionRequest;
import dev.aeserve.proto.v1.RegistryEvent;
import dev.aeserve.proto.v1.VersionInfo;
import dev.aeserve.proto.v1.VersionState;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ModelRegistry service over the wire: what goes in comes back, and every change is audited. */
class RegistryServiceTest {

  private static ServerFixture f;
  private static TrainedModel trained;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
    trained = ServerFixture.tinyModel(16, 1);
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void uploadListAliasArchiveRoundTrip() {
    f.client.createModel("round-trip", "ae", "a model for the round trip");
    VersionInfo v1 = f.client.uploadVersion("round-trip", trained.spec().toJson(), trained.metrics().toJson(), null,
        trained.weights());
    VersionInfo v2 = f.client.uploadVersion("round-trip", trained.spec().toJson(), "{\"note\": \"second\"}", null,
        trained.weights());
    assertThat(v1.getVersion()).isEqualTo(1);
    assertThat(v2.getVersion()).isEqualTo(2);
    assertThat(v1.getState()).isEqualTo(VersionState.VERSION_STATE_READY);
    assertThat(v1.getSizeBytes()).isEqualTo(trained.weights().length);
    assertThat(v2.getArtifactSha256()).isEqualTo(v1.getArtifactSha256());
    assertThat(v2.getMetricsJson()).contains("second");

    f.client.setAlias("round-trip", "production", 1);
    f.client.setAlias("round-trip", "staging", 2);
    ModelDetails d = f.client.getModel("round-trip");
    assertThat(d.getModel().getDescription()).isEqualTo("a model for the round trip");
    assertThat(d.getVersionsList()).extracting(VersionInfo::getVersion).containsExactly(1, 2);
    assertThat(d.getVersions(0).getAliasesList()).containsExactly("production");
    assertThat(d.getAliasesList()).extracting(a -> a.getAlias() + "->" + a.getVersion())
        .containsExactlyInAnyOrder("production->1", "staging->2");

    VersionInfo byAlias = ModelRegistryGrpc.newBlockingStub(f.channel)
        .getVersion(GetVersionRequest.newBuilder().setModel("round-trip").setAlias("latest").build());
    assertThat(byAlias.getVersion()).isEqualTo(2);

    assertThatThrownBy(() -> f.client.archiveVersion("round-trip", 2))
        .isInstanceOfSatisfying(AeserveException.class, e -> {
          assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getMessage()).contains("staging");
        });
    f.client.deleteAlias("round-trip", "staging");
    assertThat(f.client.archiveVersion("round-trip", 2).getState()).isEqualTo(VersionState.VERSION_STATE_ARCHIVED);
    // latest now skips the archived version
    assertThat(f.client.encode(ModelSelector.model("round-trip"), new float[][] {new float[16]}).servedBy().version())
        .isEqualTo(1);

    List<RegistryEvent> events = f.client.listEvents("round-trip", 100);
    assertThat(events).extracting(RegistryEvent::getAction).containsExactly(
        "version.archive", "alias.delete", "alias.set", "alias.set", "version.create", "version.create", "model.create");
    assertThat(events).allSatisfy(e -> assertThat(e.getActor()).startsWith(System.getProperty("user.name")));
  }

  @Test
  void recalibrateSharesTheWeightsAndTheLatentSpace() {
    f.client.createModel("recal", "ae", "");
    VersionInfo v1 = f.client.uploadVersion("recal", trained.spec().toJson(), "{}", null, trained.weights());
    String cal = "{\"threshold\":0.5,\"scoreKind\":\"mse\",\"method\":\"percentile\",\"parameter\":95,\"sampleCount\":10}";
    VersionInfo v2 = f.client.recalibrate("recal", 1, cal);
    assertThat(v2.getVersion()).isEqualTo(2);
    assertThat(v2.getParentVersion()).isEqualTo(1);
    assertThat(v2.getArtifactSha256()).isEqualTo(v1.getArtifactSha256());
    assertThat(v2.getCalibrationJson()).contains("0.5");
    float[][] rows = {new float[16]};
    var e1 = f.client.encode(ModelSelector.version("recal", 1), rows);
    var e2 = f.client.encode(ModelSelector.version("recal", 2), rows);
    assertThat(e2.latentFingerprint()).isEqualTo(e1.latentFingerprint());
    assertThat(f.client.reconstruct(ModelSelector.version("recal", 2), rows).threshold()).contains(0.5);
    assertThatThrownBy(() -> f.client.recalibrate("recal", 1, "{\"threshold\":\"x\"}"))
        .isInstanceOfSatisfying(AeserveException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThatThrownBy(() -> f.client.recalibrate("recal", 9, cal))
        .isInstanceOfSatisfying(AeserveException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
    f.client.archiveVersion("recal", 1);
    assertThatThrownBy(() -> f.client.recalibrate("recal", 1, cal))
        .isInstanceOfSatisfying(AeserveException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThat(f.client.listVersions("recal")).hasSize(2);
  }

  @Test
  void reservedAndInvalidAliasesAreRefused() {
    f.client.createModel("aliases", "ae", "");
    f.client.uploadVersion("aliases", trained.spec().toJson(), "{}", null, trained.weights());
    for (String bad : List.of("latest", "Not_Valid", "")) {
      assertThatThrownBy(() -> f.client.setAlias("aliases", bad, 1))
          .isInstanceOfSatisfying(AeserveException.class,
              e -> assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThatThrownBy(() -> f.client.setAlias("aliases", "production", 7))
        .isInstanceOfSatisfying(AeserveException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(f.client.getModel("aliases").getAliasesList()).isEmpty();
  }

  @Test
  void aMovedAliasIsServedAtOnce() {
    f.client.createModel("moving", "ae", "");
    f.client.uploadVersion("moving", trained.spec().toJson(), "{}", null, trained.weights());
    TrainedModel other = ServerFixture.tinyModel(16, 2);
    f.client.uploadVersion("moving", other.spec().toJson(), "{}", null, other.weights());
    float[][] rows = {new float[16]};
    f.client.setAlias("moving", "production", 1);
    assertThat(f.client.encode(ModelSelector.alias("moving", "production"), rows).servedBy().version()).isEqualTo(1);
    f.client.setAlias("moving", "production", 2);
    // The change feed drops the routing cache; poll briefly since NOTIFY arrives asynchronously.
    long deadline = System.nanoTime() + 5_000_000_000L;
    int served = 1;
    while (served != 2 && System.nanoTime() < deadline) {
      served = f.client.encode(ModelSelector.alias("moving", "production"), rows).servedBy().version();
    }
    assertThat(served).isEqualTo(2);
  }
}
