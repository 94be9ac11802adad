package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.proto.v1.CreateModelRequest;
import dev.aeserve.proto.v1.ListModelsRequest;
import dev.aeserve.proto.v1.ModelRegistryGrpc;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.PostgresApiTokens;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.RegistryEvent;
import dev.aeserve.registry.TokenScope;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.grpc.RequestLog;
import dev.aeserve.server.security.AuthMode;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bearer tokens with scopes on a real server over a real registry database. */
class AuthTest {

  private Database database;
  private PostgresModelRegistry registry;
  private PostgresApiTokens tokens;
  private AeServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    database = TestPostgres.openFreshDatabase();
    registry = new PostgresModelRegistry(database);
    tokens = new PostgresApiTokens(database);
    String name = InProcessServerBuilder.generateName();
    ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(false)
        .withSecurity(ServerConfig.defaults().security().withAuth(AuthMode.REQUIRED));
    server = AeServer.start(InProcessServerBuilder.forName(name).directExecutor(), registry, tokens, config);
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
    registry.close();
    database.close();
  }

  private ModelRegistryGrpc.ModelRegistryBlockingStub registryAs(String secret) {
    Metadata headers = new Metadata();
    if (secret != null) {
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + secret);
    }
    return ModelRegistryGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static CreateModelRequest create(String model) {
    return CreateModelRequest.newBuilder().setName(model).setFamily("ae").build();
  }

  private String token(String name, TokenScope... scopes) {
    return tokens.create(name, EnumSet.copyOf(List.of(scopes))).secret();
  }

  private void assertRefused(ModelRegistryGrpc.ModelRegistryBlockingStub stub, Status.Code code) {
    assertThatThrownBy(() -> stub.createModel(create("refused")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
    assertThat(registry.listModels()).as("models after a refused change").isEmpty();
    assertThat(registry.events(Optional.empty(), 10)).as("audit log after a refused change").isEmpty();
  }

  @Test
  void aCallWithoutATokenIsUnauthenticatedAndChangesNothing() {
    assertRefused(registryAs(null), Status.Code.UNAUTHENTICATED);
  }

  @Test
  void anUnknownTokenIsUnauthenticated() {
    token("real", TokenScope.ADMIN);
    assertRefused(registryAs("aes_not-a-token-anyone-issued"), Status.Code.UNAUTHENTICATED);
  }

  @Test
  void aTokenWithoutTheScopeIsPermissionDeniedAndChangesNothing() {
    String reader = token("reader", TokenScope.INFER, TokenScope.REGISTRY_READ);
    assertRefused(registryAs(reader), Status.Code.PERMISSION_DENIED);
    // ...while what its scopes cover works.
    assertThat(registryAs(reader).listModels(ListModelsRequest.getDefaultInstance()).getModelsList()).isEmpty();
  }

  @Test
  void aRevokedTokenIsUnauthenticatedAndChangesNothing() {
    String writer = token("ci-writer", TokenScope.REGISTRY_WRITE);
    tokens.revoke("ci-writer");
    assertRefused(registryAs(writer), Status.Code.UNAUTHENTICATED);
  }

  @Test
  void aChangeMadeWithATokenIsAuditedUnderTheTokensName() {
    String writer = token("ci-writer", TokenScope.REGISTRY_WRITE);
    registryAs(writer).createModel(create("audited"));
    List<RegistryEvent> events = registry.events(Optional.of("audited"), 10);
    assertThat(events).singleElement().satisfies(e -> assertThat(e.actor()).isEqualTo("ci-writer"));
    // The header a caller names itself with does not override the token.
    Metadata spoof = new Metadata();
    spoof.put(Metadata.Key.of("x-aeserve-actor", Metadata.ASCII_STRING_MARSHALLER), "someone-else");
    registryAs(writer).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(spoof)).createModel(create("second"));
    assertThat(registry.events(Optional.of("second"), 10)).singleElement()
        .satisfies(e -> assertThat(e.actor()).isEqualTo("ci-writer"));
  }

  @Test
  void adminMayDoEverything() {
    String admin = token("root", TokenScope.ADMIN);
    registryAs(admin).createModel(create("by-admin"));
    assertThat(registryAs(admin).listModels(ListModelsRequest.getDefaultInstance()).getModelsCount()).isEqualTo(1);
  }

  @Test
  void healthNeedsNoToken() {
    HealthCheckResponse r = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
    assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void openInferenceProbesNeedNoTokenAndItsInferenceNeedsTheInferScope() {
    var v2 = dev.aeserve.proto.oip.GRPCInferenceServiceGrpc.newBlockingStub(channel);
    assertThat(v2.serverLive(dev.aeserve.proto.oip.ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(v2.serverReady(dev.aeserve.proto.oip.ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    var infer = dev.aeserve.proto.oip.ModelInferRequest.newBuilder().setModelName("nobody.encode").build();
    assertThatThrownBy(() -> v2.modelInfer(infer)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token("reader", TokenScope.REGISTRY_READ));
    var reader = v2.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    assertThatThrownBy(() -> reader.modelInfer(infer)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    Metadata inferHeaders = new Metadata();
    inferHeaders.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token("caller", TokenScope.INFER));
    // Past authentication, the unknown model is what is wrong.
    assertThatThrownBy(() -> v2.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(inferHeaders))
        .modelInfer(infer)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void everyCallGetsARequestIdBackEvenWhenRefused() {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    Metadata sent = new Metadata();
    sent.put(RequestLog.REQUEST_ID, "req-42");
    var stub = registryAs(null).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent),
        MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
    assertThatThrownBy(() -> stub.createModel(create("x"))).isInstanceOf(StatusRuntimeException.class);
    assertThat(trailers.get().get(RequestLog.REQUEST_ID)).isEqualTo("req-42");

    String reader = token("reader", TokenScope.REGISTRY_READ);
    registryAs(reader).withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
        .listModels(ListModelsRequest.getDefaultInstance());
    assertThat(headers.get().get(RequestLog.REQUEST_ID)).as("a generated id").hasSizeGreaterThan(10);
  }

  @Test
  void authenticationIsOnByDefaultBeyondLoopbackOnly() {
    ServerConfig loopback = ServerConfig.defaults();
    assertThat(loopback.authEnabled()).isFalse();
    assertThat(loopback.withHost("::1").authEnabled()).isFalse();
    assertThat(loopback.withHost("localhost").authEnabled()).isFalse();
    assertThat(loopback.withHost("0.0.0.0").authEnabled()).isTrue();
    assertThat(loopback.withHost("10.1.2.3").authEnabled()).isTrue();
    assertThat(loopback.withHost("0.0.0.0").withSecurity(loopback.security().withAuth(AuthMode.OFF)).authEnabled())
        .isFalse();
    assertThat(loopback.withSecurity(loopback.security().withAuth(AuthMode.REQUIRED)).authEnabled()).isTrue();
  }

  @Test
  void tokenNamesAndScopesAreValidated() {
    assertThatThrownBy(() -> tokens.create("Bad Name", Set.of(TokenScope.INFER)))
        .hasMessageContaining("invalid token name");
    assertThatThrownBy(() -> tokens.create("empty", Set.of())).hasMessageContaining("at least one scope");
    assertThatThrownBy(() -> TokenScope.parse("superuser")).hasMessageContaining("unknown scope");
    token("dup", TokenScope.INFER);
    assertThatThrownBy(() -> token("dup", TokenScope.INFER)).hasMessageContaining("exists already");
    assertThat(tokens.list()).extracting(t -> t.name()).containsExactly("dup");
  }
}
