package dev.aeserve.bench;

import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;

/**
 * The floor for the RPC-overhead figure: a call with Encode's request and response types that
 * does no work but copy the input back, served by the same server on the same port. Registered
 * only by the benchmark; it is not part of the API.
 */
final class EchoService {

  static final MethodDescriptor<EncodeRequest, EncodeResponse> ECHO = MethodDescriptor
      .<EncodeRequest, EncodeResponse>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName("aeserve.bench.Echo", "Echo"))
      .setRequestMarshaller(ProtoUtils.marshaller(EncodeRequest.getDefaultInstance()))
      .setResponseMarshaller(ProtoUtils.marshaller(EncodeResponse.getDefaultInstance()))
      .build();

  private EchoService() {}

  static ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder("aeserve.bench.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
          out.onNext(EncodeResponse.newBuilder().setLatents(req.getInputs()).build());
          out.onCompleted();
        }))
        .build();
  }
}
