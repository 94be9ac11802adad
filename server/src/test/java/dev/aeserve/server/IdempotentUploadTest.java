package dev.aeserve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.AeserveException;
import dev.aeserve.proto.v1.ModelRegistryGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An upload's idempotency key: a retry never makes a second version, a reused key never hides other bytes. */
class IdempotentUploadTest {

  private static ServerFixture f;
  private static TrainedModel m;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
    m = ServerFixture.tinyModel(6, 1);
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void theSameKeyAndBytesReturnTheFirstVersion() {
    f.client.createModel("same-bytes", "ae", "");
    int first = upload(f.client, "same-bytes", m.weights(), "key-1");
    int again = upload(f.client, "same-bytes", m.weights(), "key-1");
    assertEquals(first, again);
    assertEquals(1, f.client.listVersions("same-bytes").size());
    // Another key is another upload.
    assertEquals(first + 1, upload(f.client, "same-bytes", m.weights(), "key-2"));
  }

  @Test
  void theSameKeyWithOtherBytesIsRefusedNamingTheVersion() {
    f.client.createModel("other-bytes", "ae", "");
    int first = upload(f.client, "other-bytes", m.weights(), "key-1");
    byte[] other = ServerFixture.tinyModel(6, 2).weights();
    AeserveException e = assertThrows(AeserveException.class, () -> upload(f.client, "other-bytes", other, "key-1"));
    assertEquals(Status.Code.ALREADY_EXISTS, e.code());
    assertTrue(e.getMessage().contains("version " + first), e.getMessage());
    assertEquals(1, f.client.listVersions("other-bytes").size());
  }

  @Test
  void anUploadWhoseAnswerWasLostIsRetriedIntoOneVersion() {
    f.client.createModel("lost-answer", "ae", "");
    AtomicInteger uploads = new AtomicInteger();
    // The server creates the version, but the first answer never reaches the client: it sees
    // UNAVAILABLE, as when a connection drops after the last byte.
    ClientInterceptor loseFirstAnswer = new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        boolean lose = method.getFullMethodName().equals(ModelRegistryGrpc.getUploadVersionMethod().getFullMethodName())
            && uploads.incrementAndGet() == 1;
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(!lose ? listener : new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onMessage(R message) {}

              @Override
              public void onClose(Status status, Metadata trailers) {
                super.onClose(Status.UNAVAILABLE.withDescription("connection lost (test)"), new Metadata());
              }
            }, headers);
          }
        };
      }
    };
    try (AeserveClient client = AeserveClient.forChannel(ClientInterceptors.intercept(f.channel, loseFirstAnswer),
        Duration.ofSeconds(60))) {
      int version = client.uploadVersion("lost-answer", m.spec().toJson(), m.metrics().toJson(), null, m.weights())
          .getVersion();
      assertEquals(2, uploads.get(), "the client retried once");
      assertEquals(1, f.client.listVersions("lost-answer").size());
      assertEquals(version, f.client.listVersions("lost-answer").get(0).getVersion());
    }
  }

  private static int upload(AeserveClient client, String model, byte[] weights, String key) {
    return client.uploadVersion(model, m.spec().toJson(), m.metrics().toJson(), null, weights, key).getVersion();
  }
}
