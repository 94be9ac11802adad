package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --server HOST:PORT} for commands that talk to a running server. */
final class ServerOption {

  @Option(names = "--server", defaultValue = "127.0.0.1:50051", paramLabel = "HOST:PORT",
      description = "aeserve server to talk to (default: ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--timeout", defaultValue = "PT60S", paramLabel = "DURATION",
      description = "Deadline of each call, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  AeserveClient connect() {
    return AeserveClient.builder(server).deadline(timeout).build();
  }

  /** A plaintext channel to the server that names the local user as the actor of its changes. */
  ManagedChannel channel() {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("x-aeserve-actor", Metadata.ASCII_STRING_MARSHALLER),
        System.getProperty("user.name", "anonymous"));
    return NettyChannelBuilder.forTarget(server).usePlaintext()
        .intercept(MetadataUtils.newAttachHeadersInterceptor(headers)).build();
  }
}
