package dev.aeserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.Matrix;
import io.grpc.CallOptions;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The benchmark's generator against a real loopback gRPC server (the echo the suite uses as its floor). */
class LoadGeneratorTest {

  private Server server;
  private GeneratorChannels channels;
  private final byte[] payload = EncodeRequest.newBuilder()
      .setInputs(Matrix.newBuilder().setRows(1).setCols(2).addValues(1).addValues(2)).build().toByteArray();

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(EchoService.definition()).build().start();
    channels = new GeneratorChannels(2);
  }

  @AfterEach
  void stop() throws Exception {
    channels.close();
    server.shutdownNow().awaitTermination();
  }

  private RawUnaryTarget echo() {
    var channelList = channels.to(server.getPort());
    // One answered call first, so that the runs below start on open connections.
    byte[] answer = ClientCalls.blockingUnaryCall(channelList.get(0).newCall(
        io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder().setType(io.grpc.MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(EchoService.ECHO.getFullMethodName()).setRequestMarshaller(RawUnaryTarget.BYTES)
            .setResponseMarshaller(RawUnaryTarget.BYTES).build(), CallOptions.DEFAULT), payload);
    try {
      assertThat(EncodeResponse.parseFrom(answer).getLatents().getValuesList()).containsExactly(1f, 2f);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    return new RawUnaryTarget(channelList, EchoService.ECHO.getFullMethodName(), List.of(payload));
  }

  @Test
  void closedLoopCountsEveryAnsweredCallInItsHistogram() throws Exception {
    LoadGenerator.Result r = LoadGenerator.closedLoop(echo(), () -> 7.0, 4, Duration.ZERO, Duration.ofSeconds(1));

    assertThat(r.ok()).isPositive();
    assertThat(r.latencies().getTotalCount()).isEqualTo(r.ok());
    assertThat(r.rejected() + r.otherFailures() + r.failuresOutsideWindow()).isZero();
    assertThat(r.serverCpuSeconds()).isZero();
    assertThat(r.p99()).isGreaterThanOrEqualTo(r.p50()).isPositive();
    assertThat(r.offeredPerSecond()).isNaN();
  }

  @Test
  void openLoopRecordsWhatItWasAskedToOfferAndAnswersEveryCallItSent() throws Exception {
    LoadGenerator.Result r = LoadGenerator.openLoop(echo(), () -> 0.0, 500, Duration.ZERO, Duration.ofSeconds(1));

    assertThat(r.offeredPerSecond()).isEqualTo(500);
    long sent = Math.round(r.sentPerSecond() * r.seconds());
    assertThat(sent).isPositive().isLessThanOrEqualTo(500);
    assertThat(r.ok() + r.rejected() + r.otherFailures()).isEqualTo(sent);
    assertThat(r.otherFailures()).isZero();
  }

  @Test
  void aMethodTheServerDoesNotHaveIsAFailureNotAnAnswer() throws Exception {
    var missing = new RawUnaryTarget(channels.to(server.getPort()), "aeserve.bench.Echo/Missing", List.of(payload));

    LoadGenerator.Result r = LoadGenerator.closedLoop(missing, () -> 0.0, 2, Duration.ZERO, Duration.ofMillis(500));

    assertThat(r.ok()).isZero();
    assertThat(r.otherFailures() + r.failuresOutsideWindow()).isPositive();
    assertThat(r.latencies().getTotalCount()).isZero();
    assertThat(r.p99()).isNaN();
    // Every failed call is kept by code, with the server's own words for the first few.
    assertThat(r.failed().count(io.grpc.Status.Code.UNIMPLEMENTED)).isEqualTo(r.failed().total())
        .isGreaterThanOrEqualTo(r.otherFailures() + r.failuresOutsideWindow());
    @SuppressWarnings("unchecked")
    var unimplemented = (java.util.Map<String, Object>) r.failed().toMap().get("UNIMPLEMENTED");
    assertThat((List<?>) unimplemented.get("first_messages")).hasSize((int) Math.min(FailedCalls.MESSAGES_PER_CODE, r.failed().total()))
        .allSatisfy(m -> assertThat(m.toString()).contains("aeserve.bench.Echo/Missing"));
  }

  @Test
  void anOpenLoopKeepsTheStatusOfEveryFailedCallWarmUpIncluded() throws Exception {
    var missing = new RawUnaryTarget(channels.to(server.getPort()), "aeserve.bench.Echo/Missing", List.of(payload));

    LoadGenerator.Result r = LoadGenerator.openLoop(missing, () -> 0.0, 200, Duration.ofMillis(300),
        Duration.ofMillis(500));

    assertThat(r.failed().total()).isEqualTo(r.otherFailures() + r.failuresOutsideWindow()).isPositive();
    assertThat(r.failed().toMap()).containsOnlyKeys("UNIMPLEMENTED");
  }

  @Test
  void torchServeRequestsCarryTheModelNameAndOneRawRow() throws Exception {
    float[] row = {0.5f, -1.25f, 3f};

    CodedInputStream in = CodedInputStream.newInstance(TorchServePeer.predictionsRequest(row));

    assertThat(in.readTag()).isEqualTo((1 << 3) | 2);
    assertThat(in.readString()).isEqualTo(TorchServePeer.MODEL);
    assertThat(in.readTag()).isEqualTo((3 << 3) | 2);
    CodedInputStream entry = CodedInputStream.newInstance(in.readBytes().toByteArray());
    assertThat(entry.readTag()).isEqualTo((1 << 3) | 2);
    assertThat(entry.readString()).isEqualTo("data");
    assertThat(entry.readTag()).isEqualTo((2 << 3) | 2);
    ByteString value = entry.readBytes();
    float[] back = new float[row.length];
    ByteBuffer.wrap(value.toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(back);
    assertThat(back).containsExactly(row);
    assertThat(in.isAtEnd()).isTrue();
  }
}
