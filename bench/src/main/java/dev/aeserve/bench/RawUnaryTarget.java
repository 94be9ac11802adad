package dev.aeserve.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A unary gRPC method called with request bytes serialized once, before the run, and answers
 * read as bytes without parsing: the generator pays for HTTP/2 and nothing per message, so one
 * core can offer several times what the server sustains. Used for aeserve's methods, the echo,
 * and TorchServe's inference API alike. Requests rotate through {@code payloads}.
 */
final class RawUnaryTarget implements LoadGenerator.Target {

  /** Request and response bodies as bytes, untouched. */
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

  private final List<ManagedChannel> channels;
  private final MethodDescriptor<byte[], byte[]> method;
  private final List<byte[]> payloads;
  private final AtomicInteger next = new AtomicInteger();

  /**
   * @param fullMethodName such as {@code aeserve.v1.Autoencoder/Encode}
   * @param channels calls rotate through them (one connection each)
   */
  RawUnaryTarget(List<ManagedChannel> channels, String fullMethodName, List<byte[]> payloads) {
    this.channels = List.copyOf(channels);
    this.method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullMethodName)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
    this.payloads = List.copyOf(payloads);
  }

  @Override
  public void call(Consumer<Status> done) {
    int n = next.getAndIncrement();
    ManagedChannel channel = channels.get(Math.floorMod(n, channels.size()));
    byte[] payload = payloads.get(Math.floorMod(n, payloads.size()));
    ClientCalls.asyncUnaryCall(channel.newCall(method, CallOptions.DEFAULT), payload, new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {}

      @Override
      public void onError(Throwable t) {
        done.accept(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        done.accept(Status.OK);
      }
    });
  }
}
