package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.proto.v1.ListModelsRequest;
import dev.aeserve.proto.v1.ModelRegistryGrpc;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.security.SecurityConfig;
import dev.aeserve.server.security.TlsConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and mutual TLS on a real Netty server, with a CA and certificates made by openssl for this run. */
class TlsTest {

  @TempDir
  static Path dir;

  private static Database database;
  private static PostgresModelRegistry registry;

  @BeforeAll
  static void certificates() throws Exception {
    String script = String.join("\n",
        "set -e",
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=aeserve-test-ca",
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext",
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2"
            + " -extfile server.ext",
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=aeserve-test-client",
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2",
        "echo 'not a certificate' > garbage.pem");
    Process p = new ProcessBuilder("bash", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("openssl: " + out).isZero();
    database = TestPostgres.openFreshDatabase();
    registry = new PostgresModelRegistry(database);
  }

  @AfterAll
  static void close() {
    registry.close();
    database.close();
  }

  private static AeServer serve(TlsConfig tls, int healthPort) {
    ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(false)
        .withSecurity(new SecurityConfig(SecurityConfig.defaults().auth(), tls, healthPort));
    return AeServer.start(registry, config);
  }

  private static ManagedChannel tlsChannel(int port, boolean withClientCertificate) throws IOException {
    SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(dir.resolve("ca.pem").toFile());
    if (withClientCertificate) {
      ssl.keyManager(dir.resolve("client.pem").toFile(), dir.resolve("client.key").toFile());
    }
    return NettyChannelBuilder.forAddress("localhost", port).sslContext(ssl.build()).build();
  }

  private static int listModels(ManagedChannel channel) {
    return ModelRegistryGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .listModels(ListModelsRequest.getDefaultInstance()).getModelsCount();
  }

  @Test
  void aTlsRoundTripAndPlaintextIsRefused() throws IOException {
    try (AeServer server = serve(new TlsConfig(dir.resolve("server.pem"), dir.resolve("server.key"), null), -1)) {
      ManagedChannel secure = tlsChannel(server.port(), false);
      ManagedChannel plain = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
      try {
        assertThat(listModels(secure)).isZero();
        assertThat(HealthGrpc.newBlockingStub(secure).check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(ServingStatus.SERVING);
        assertThatThrownBy(() -> listModels(plain)).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        secure.shutdownNow();
        plain.shutdownNow();
      }
    }
  }

  @Test
  void mutualTlsRefusesAClientWithoutACertificate() throws IOException {
    TlsConfig mutual = new TlsConfig(dir.resolve("server.pem"), dir.resolve("server.key"), dir.resolve("ca.pem"));
    try (AeServer server = serve(mutual, -1)) {
      ManagedChannel anonymous = tlsChannel(server.port(), false);
      ManagedChannel certified = tlsChannel(server.port(), true);
      try {
        assertThatThrownBy(() -> listModels(anonymous)).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(listModels(certified)).isZero();
      } finally {
        anonymous.shutdownNow();
        certified.shutdownNow();
      }
    }
  }

  @Test
  void theHealthPortServesHealthAloneInPlaintext() {
    try (AeServer server = serve(new TlsConfig(dir.resolve("server.pem"), dir.resolve("server.key"), null), 0)) {
      ManagedChannel probe = NettyChannelBuilder.forAddress("127.0.0.1", server.healthPort()).usePlaintext().build();
      try {
        assertThat(HealthGrpc.newBlockingStub(probe).check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(ServingStatus.SERVING);
        assertThatThrownBy(() -> listModels(probe)).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
      } finally {
        probe.shutdownNow();
      }
    }
  }

  @Test
  void unreadableOrMalformedCertificatesFailWithWhatToFix() throws IOException {
    assertThatThrownBy(() -> new TlsConfig(dir.resolve("missing.pem"), dir.resolve("server.key"), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot read --tls-cert").hasMessageContaining("no such file");
    TlsConfig garbage = new TlsConfig(dir.resolve("garbage.pem"), dir.resolve("server.key"), null);
    assertThatThrownBy(() -> AeServer.checkTls(garbage)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot use --tls-cert").hasMessageContaining("PEM");
    // The same check passes the files the other tests serve with, so it is the garbage it refused...
    assertThatCode(() -> AeServer.checkTls(new TlsConfig(dir.resolve("server.pem"), dir.resolve("server.key"), null)))
        .doesNotThrowAnyException();
    // ...and a key that is not the certificate's is refused at the check, not at the first handshake.
    TlsConfig mismatched = new TlsConfig(dir.resolve("server.pem"), dir.resolve("client.key"), null);
    assertThatThrownBy(() -> AeServer.checkTls(mismatched)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot use --tls-cert " + dir.resolve("server.pem"))
        .hasMessageContaining("--tls-key " + dir.resolve("client.key"))
        .hasMessageContaining("the private key does not belong to the certificate CN=localhost");
  }

  @Test
  void aClientThatDoesNotTrustTheServersCaIsRefused() throws Exception {
    // A second CA, unrelated to the one that signed the server's certificate.
    Process p = new ProcessBuilder("bash", "-c", "openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key"
        + " -out other-ca.pem -days 2 -subj /CN=someone-else").directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("openssl: " + out).isZero();
    try (AeServer server = serve(new TlsConfig(dir.resolve("server.pem"), dir.resolve("server.key"), null), -1)) {
      ManagedChannel untrusting = NettyChannelBuilder.forAddress("localhost", server.port())
          .sslContext(GrpcSslContexts.forClient().trustManager(dir.resolve("other-ca.pem").toFile()).build()).build();
      ManagedChannel trusting = tlsChannel(server.port(), false);
      try {
        assertThatThrownBy(() -> listModels(untrusting)).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(listModels(trusting)).isZero();
      } finally {
        untrusting.shutdownNow();
        trusting.shutdownNow();
      }
    }
  }
}
