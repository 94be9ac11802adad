package dev.aeserve.server;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls any method with request bytes as they are, for tests that send what no typed stub would:
 * bytes that do not parse, or messages built elsewhere. The status is the server's own; no stub
 * stands between (a unary stub turns "OK without a message" into a client-side INTERNAL).
 */
final class RawCalls {

  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** What came back: the status and how many response messages preceded it. */
  record Outcome(Status status, int responses) {}

  private RawCalls() {}

  /** {@code method}'s name and type with byte-array messages. */
  static MethodDescriptor<byte[], byte[]> bytesOf(MethodDescriptor<?, ?> method) {
    return MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES)
        .setFullMethodName(method.getFullMethodName())
        .setType(method.getType())
        .build();
  }

  /** Sends {@code messages}, half-closes, and waits for the call to end. */
  static Outcome call(Channel channel, MethodDescriptor<?, ?> method, List<byte[]> messages, Duration timeout) {
    ClientCall<byte[], byte[]> call = channel.newCall(bytesOf(method),
        CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS));
    CompletableFuture<Status> closed = new CompletableFuture<>();
    AtomicInteger responses = new AtomicInteger();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        responses.incrementAndGet();
        call.request(1);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(1);
    for (byte[] m : messages) {
      call.sendMessage(m);
    }
    call.halfClose();
    try {
      return new Outcome(closed.get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS), responses.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      call.cancel("no status in time", e);
      throw new IllegalStateException(method.getFullMethodName() + " gave no status within " + timeout, e);
    }
  }
}
