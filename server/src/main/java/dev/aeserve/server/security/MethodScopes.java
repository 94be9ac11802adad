package dev.aeserve.server.security;

import dev.aeserve.proto.oip.GRPCInferenceServiceGrpc;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.ModelRegistryGrpc;
import dev.aeserve.proto.v1.RolloutsGrpc;
import dev.aeserve.registry.TokenScope;
import io.grpc.MethodDescriptor;
import java.util.Optional;
import java.util.Set;

/**
 * The scope each method needs. Health and reflection are open (Kubernetes probes and grpcurl send
 * no token), and so are the Open Inference Protocol's liveness and readiness probes, which KServe
 * and Triton deployments point their probes at; its metadata and inference need {@code infer},
 * like the Autoencoder service. A method this table does not know needs {@code admin}, so a new
 * RPC is closed until someone decides otherwise.
 */
public final class MethodScopes {

  private static final Set<String> OPEN_SERVICES = Set.of(
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection");

  /** The v2 probes: they say whether the server (not a model) is up, and carry no model data. */
  private static final Set<String> OPEN_METHODS = Set.of(
      GRPCInferenceServiceGrpc.SERVICE_NAME + "/ServerLive",
      GRPCInferenceServiceGrpc.SERVICE_NAME + "/ServerReady");

  /** Reads of the registry and rollouts services; every other method there is a change. */
  private static final Set<String> READS = Set.of(
      ModelRegistryGrpc.SERVICE_NAME + "/GetModel",
      ModelRegistryGrpc.SERVICE_NAME + "/ListModels",
      ModelRegistryGrpc.SERVICE_NAME + "/GetVersion",
      ModelRegistryGrpc.SERVICE_NAME + "/ListVersions",
      ModelRegistryGrpc.SERVICE_NAME + "/ListEvents",
      RolloutsGrpc.SERVICE_NAME + "/GetTraffic",
      RolloutsGrpc.SERVICE_NAME + "/CompareShadow");

  private static final Set<String> WRITES = Set.of(
      ModelRegistryGrpc.SERVICE_NAME + "/CreateModel",
      ModelRegistryGrpc.SERVICE_NAME + "/UploadVersion",
      ModelRegistryGrpc.SERVICE_NAME + "/SetAlias",
      ModelRegistryGrpc.SERVICE_NAME + "/DeleteAlias",
      ModelRegistryGrpc.SERVICE_NAME + "/Recalibrate",
      ModelRegistryGrpc.SERVICE_NAME + "/ArchiveVersion",
      RolloutsGrpc.SERVICE_NAME + "/SetTraffic",
      RolloutsGrpc.SERVICE_NAME + "/Promote",
      RolloutsGrpc.SERVICE_NAME + "/Rollback");

  private MethodScopes() {}

  /** The scope {@code fullMethodName} needs, or empty when it is open to everyone. */
  public static Optional<TokenScope> required(String fullMethodName) {
    String service = MethodDescriptor.extractFullServiceName(fullMethodName);
    if (OPEN_SERVICES.contains(service) || OPEN_METHODS.contains(fullMethodName)) {
      return Optional.empty();
    }
    if (AutoencoderGrpc.SERVICE_NAME.equals(service) || GRPCInferenceServiceGrpc.SERVICE_NAME.equals(service)) {
      return Optional.of(TokenScope.INFER);
    }
    if (READS.contains(fullMethodName)) {
      return Optional.of(TokenScope.REGISTRY_READ);
    }
    if (WRITES.contains(fullMethodName)) {
      return Optional.of(TokenScope.REGISTRY_WRITE);
    }
    return Optional.of(TokenScope.ADMIN);
  }
}
