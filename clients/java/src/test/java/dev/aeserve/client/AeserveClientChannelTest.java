package dev.aeserve.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.Matrix;
import dev.aeserve.proto.v1.Route;
import dev.aeserve.proto.v1.ServedBy;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The channel the builder makes: retries from the service config, headers, served version. */
class AeserveClientChannelTest {

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final String name = InProcessServerBuilder.generateName();
  private final List<String> tokens = new CopyOnWriteArrayList<>();
  /** Milliseconds left of each call's deadline as the server saw it; -1 for a call without one. */
  private final List<Long> deadlinesMillis = new CopyOnWriteArrayList<>();
  private Server server;

  /** Fails the first {@code failures} Encode calls with {@code code}, then answers from version 3. */
  private AtomicInteger start(int failures, Status code) throws Exception {
    AtomicInteger calls = new AtomicInteger();
    AutoencoderGrpc.AutoencoderImplBase service = new AutoencoderGrpc.AutoencoderImplBase() {
      @Override
      public void encode(EncodeRequest request, StreamObserver<EncodeResponse> response) {
        if (calls.incrementAndGet() <= failures) {
          response.onError(code.withDescription("try again").asRuntimeException());
          return;
        }
        response.onNext(EncodeResponse.newBuilder()
            .setServedBy(ServedBy.newBuilder().setModel(request.getModel().getName()).setVersion(3)
                .setRoute(Route.ROUTE_LATEST))
            .setLatents(Matrix.newBuilder().setRows(1).setCols(1).addValues(42f))
            .build());
        response.onCompleted();
      }
    };
    ServerInterceptor recordToken = new ServerInterceptor() {
      @Override
      public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call, Metadata headers,
          io.grpc.ServerCallHandler<Q, A> next) {
        tokens.add(String.valueOf(headers.get(AUTHORIZATION)));
        io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
        deadlinesMillis.add(deadline == null ? -1 : deadline.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS));
        return Contexts.interceptCall(io.grpc.Context.current(), call, headers, next);
      }
    };
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service, recordToken)).build().start();
    return calls;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdownNow();
    }
  }

  private AeserveClient.Builder builder() {
    return AeserveClient.builder("unused").retries(4, Duration.ofMillis(5), Duration.ofMillis(20));
  }

  @Test
  void retriesUnavailableAndResourceExhausted() throws Exception {
    for (Status code : List.of(Status.UNAVAILABLE, Status.RESOURCE_EXHAUSTED)) {
      AtomicInteger calls = start(2, code);
      try (AeserveClient client = builder().build(InProcessChannelBuilder.forName(name).directExecutor())) {
        EncodeResult r = client.encode(ModelSelector.model("m"), new float[][] {{1f}});
        assertThat(r.latents()[0][0]).isEqualTo(42f);
        assertThat(r.servedBy().version()).isEqualTo(3);
        assertThat(r.servedBy().route()).isEqualTo("latest");
      }
      assertThat(calls).hasValue(3);
      server.shutdownNow();
    }
  }

  @Test
  void doesNotRetryOtherCodesNorPastMaxAttempts() throws Exception {
    AtomicInteger calls = start(1, Status.INVALID_ARGUMENT);
    try (AeserveClient client = builder().build(InProcessChannelBuilder.forName(name).directExecutor())) {
      assertThatThrownBy(() -> client.encode(ModelSelector.model("m"), new float[][] {{1f}}))
          .isInstanceOfSatisfying(AeserveException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThat(calls).hasValue(1);
    server.shutdownNow();

    calls = start(10, Status.UNAVAILABLE);
    try (AeserveClient client = builder().retries(2, Duration.ofMillis(5), Duration.ofMillis(5))
        .build(InProcessChannelBuilder.forName(name).directExecutor())) {
      assertThatThrownBy(() -> client.encode(ModelSelector.model("m"), new float[][] {{1f}}))
          .isInstanceOfSatisfying(AeserveException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE));
    }
    assertThat(calls).hasValue(2);
  }

  @Test
  void sendsTheBearerTokenOnEveryCall() throws Exception {
    start(0, Status.OK);
    try (AeserveClient client = builder().bearerToken("s3cret")
        .build(InProcessChannelBuilder.forName(name).directExecutor())) {
      client.encode(ModelSelector.model("m"), new float[][] {{1f}});
      client.withDeadline(Duration.ofSeconds(1)).encode(ModelSelector.model("m"), new float[][] {{1f}});
    }
    assertThat(tokens).containsExactly("Bearer s3cret", "Bearer s3cret");
  }

  @Test
  void withDeadlineSendsThatDeadlineAndLeavesTheOriginalClientsAlone() throws Exception {
    start(0, Status.OK);
    try (AeserveClient client = builder().deadline(Duration.ofSeconds(30))
        .build(InProcessChannelBuilder.forName(name).directExecutor())) {
      client.encode(ModelSelector.model("m"), new float[][] {{1f}});
      AeserveClient shortLived = client.withDeadline(Duration.ofMillis(1500));
      shortLived.encode(ModelSelector.model("m"), new float[][] {{1f}});
      client.encode(ModelSelector.model("m"), new float[][] {{1f}});
    }
    // What the server saw in the grpc-timeout header, less the moments the call took to arrive.
    assertThat(deadlinesMillis).hasSize(3);
    assertThat(deadlinesMillis.get(0)).as("the client's own deadline").isBetween(1_500L, 30_000L);
    assertThat(deadlinesMillis.get(1)).as("withDeadline(1.5 s)").isBetween(1L, 1_500L);
    assertThat(deadlinesMillis.get(2)).as("the original client, after withDeadline").isBetween(1_500L, 30_000L);
  }
}
