package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.PostgresApiTokens;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.TokenScope;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.security.AuthMode;
import dev.aeserve.server.security.MethodScopes;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every method of every service the server registers, called with no token, an unknown token, a
 * revoked token and a token of each scope, against {@link #REQUIRED}: the one table of who may call
 * what. The methods come from the running server (its reflection service lists what it registered),
 * so a service added later is called too, and fails this test until someone writes its row.
 */
class ScopeMatrixTest {

  /** Open to everyone: probes and grpcurl send no token. */
  private static final Optional<TokenScope> OPEN = Optional.empty();

  /**
   * The scope each method needs. A method the server serves that is not here fails
   * {@link #everyServedMethodHasARowAndEveryRowIsServed}: decide its scope, add the row and, if
   * {@link MethodScopes} does not already give it, the mapping there.
   */
  private static final Map<String, Optional<TokenScope>> REQUIRED = table(
      "aeserve.v1.Autoencoder/Encode", TokenScope.INFER,
      "aeserve.v1.Autoencoder/Decode", TokenScope.INFER,
      "aeserve.v1.Autoencoder/Reconstruct", TokenScope.INFER,
      "aeserve.v1.Autoencoder/ReconstructStream", TokenScope.INFER,
      "aeserve.v1.Autoencoder/Sample", TokenScope.INFER,
      "aeserve.v1.Autoencoder/Denoise", TokenScope.INFER,
      "aeserve.v1.Autoencoder/Recommend", TokenScope.INFER,
      "aeserve.v1.ModelRegistry/CreateModel", TokenScope.REGISTRY_WRITE,
      "aeserve.v1.ModelRegistry/GetModel", TokenScope.REGISTRY_READ,
      "aeserve.v1.ModelRegistry/ListModels", TokenScope.REGISTRY_READ,
      "aeserve.v1.ModelRegistry/UploadVersion", TokenScope.REGISTRY_WRITE,
      "aeserve.v1.ModelRegistry/GetVersion", TokenScope.REGISTRY_READ,
      "aeserve.v1.ModelRegistry/ListVersions", TokenScope.REGISTRY_READ,
      "aeserve.v1.ModelRegistry/SetAlias", TokenScope.REGISTRY_WRITE,
      "aeserve.v1.ModelRegistry/DeleteAlias", TokenScope.REGISTRY_WRITE,
      "aeserve.v1.ModelRegistry/Recalibrate", TokenScope.REGISTRY_WRITE,
      "aeserve.v1.ModelRegistry/ArchiveVersion", TokenScope.REGISTRY_WRITE,
      "aeserve.v1.ModelRegistry/ListEvents", TokenScope.REGISTRY_READ,
      "aeserve.v1.Rollouts/SetTraffic", TokenScope.REGISTRY_WRITE,
      "aeserve.v1.Rollouts/GetTraffic", TokenScope.REGISTRY_READ,
      "aeserve.v1.Rollouts/Promote", TokenScope.REGISTRY_WRITE,
      "aeserve.v1.Rollouts/Rollback", TokenScope.REGISTRY_WRITE,
      "aeserve.v1.Rollouts/CompareShadow", TokenScope.REGISTRY_READ,
      // The Open Inference Protocol: its liveness and readiness probes are open like health (what
      // KServe and Triton deployments point their probes at); metadata and inference need infer.
      "inference.GRPCInferenceService/ServerLive", null,
      "inference.GRPCInferenceService/ServerReady", null,
      "inference.GRPCInferenceService/ModelReady", TokenScope.INFER,
      "inference.GRPCInferenceService/ServerMetadata", TokenScope.INFER,
      "inference.GRPCInferenceService/ModelMetadata", TokenScope.INFER,
      "inference.GRPCInferenceService/ModelInfer", TokenScope.INFER,
      "grpc.health.v1.Health/Check", null,
      "grpc.health.v1.Health/Watch", null,
      "grpc.reflection.v1.ServerReflection/ServerReflectionInfo", null);

  /** Who calls: no token, tokens the registry never issued or revoked, and one token per scope. */
  private record Caller(String who, TokenScope scope) {
    static final Caller ANONYMOUS = new Caller("no token", null);
    static final Caller UNKNOWN = new Caller("a token never issued", null);
    static final Caller REVOKED = new Caller("a revoked admin token", null);

    static Caller scoped(TokenScope scope) {
      return new Caller("a token with " + scope.wireName() + " only", scope);
    }

    @Override
    public String toString() {
      return who;
    }
  }

  private static Database database;
  private static PostgresModelRegistry registry;
  private static PostgresApiTokens tokens;
  private static AeServer server;
  private static ManagedChannel channel;
  private static final Map<Caller, String> secrets = new LinkedHashMap<>();
  private static Map<String, MethodType> served;

  @BeforeAll
  static void start() {
    database = TestPostgres.openFreshDatabase();
    registry = new PostgresModelRegistry(database);
    tokens = new PostgresApiTokens(database);
    String name = InProcessServerBuilder.generateName();
    ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(false)
        .withSecurity(ServerConfig.defaults().security().withAuth(AuthMode.REQUIRED));
    server = AeServer.start(InProcessServerBuilder.forName(name), registry, tokens, config);
    channel = InProcessChannelBuilder.forName(name).build();

    secrets.put(Caller.ANONYMOUS, null);
    secrets.put(Caller.UNKNOWN, "aes_not-a-token-anyone-issued");
    // Revoked before it is ever used, so no cache of the server has seen it valid.
    String revoked = tokens.create("revoked-admin", EnumSet.of(TokenScope.ADMIN)).secret();
    tokens.revoke("revoked-admin");
    secrets.put(Caller.REVOKED, revoked);
    for (TokenScope scope : TokenScope.values()) {
      String tokenName = "only-" + scope.wireName().replace(':', '-');
      secrets.put(Caller.scoped(scope), tokens.create(tokenName, EnumSet.of(scope)).secret());
    }
    served = servedMethods();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    registry.close();
    database.close();
  }

  @Test
  void everyServedMethodHasARowAndEveryRowIsServed() {
    assertThat(served).as("methods the server registered (from its reflection service)").hasSizeGreaterThan(20);
    assertThat(new TreeSet<>(served.keySet()))
        .as("served methods without a row in ScopeMatrixTest.REQUIRED: decide who may call them and add the row")
        .isSubsetOf(REQUIRED.keySet());
    assertThat(new TreeSet<>(REQUIRED.keySet())).as("rows for methods the server does not serve")
        .isSubsetOf(served.keySet());
  }

  @Test
  void methodScopesAgreesWithTheTable() {
    Map<String, Optional<TokenScope>> actual = new TreeMap<>();
    REQUIRED.keySet().forEach(m -> actual.put(m, MethodScopes.required(m)));
    assertThat(actual).isEqualTo(new TreeMap<>(REQUIRED));
    // A method nobody mapped is closed: admin only.
    assertThat(MethodScopes.required("aeserve.v1.Autoencoder2/Encode")).contains(TokenScope.ADMIN);
    assertThat(MethodScopes.required("aeserve.v1.ModelRegistry/DropEverything")).contains(TokenScope.ADMIN);
  }

  @Test
  void everyMethodRefusesOrLetsThroughExactlyWhomTheTableSays() {
    List<String> wrong = new ArrayList<>();
    int calls = 0;
    for (Map.Entry<String, MethodType> method : new TreeMap<>(served).entrySet()) {
      Optional<TokenScope> needed = REQUIRED.get(method.getKey());
      if (needed == null) {
        wrong.add(method.getKey() + ": no row in the table");
        continue;
      }
      for (Map.Entry<Caller, String> caller : secrets.entrySet()) {
        Outcome outcome = call(method.getKey(), method.getValue(), caller.getValue());
        calls++;
        String verdict = judge(needed, caller.getKey(), outcome);
        if (verdict != null) {
          wrong.add(method.getKey() + " as " + caller.getKey() + ": " + verdict);
        }
      }
    }
    assertThat(wrong).as("calls that got the wrong answer").isEmpty();
    assertThat(calls).isEqualTo(served.size() * secrets.size());
  }

  /** Null when the outcome is right for this caller; otherwise what was wrong. */
  private static String judge(Optional<TokenScope> needed, Caller caller, Outcome outcome) {
    Status.Code code = outcome.code();
    if (needed.isEmpty()) {
      return refusedByAuth(code) ? "an open method was refused: " + outcome : null;
    }
    TokenScope scope = needed.get();
    if (caller.scope() == null) {
      String why = caller == Caller.ANONYMOUS ? "needs a bearer token" : "unknown or revoked token";
      return code == Status.Code.UNAUTHENTICATED && outcome.description().contains(why)
          ? null : "want UNAUTHENTICATED (" + why + "), got " + outcome;
    }
    if (caller.scope() == scope || caller.scope() == TokenScope.ADMIN) {
      // Past the door, the empty request is the handler's to judge: bad input, never INTERNAL, and a
      // method the server describes is one it implements.
      return refusedByAuth(code) || code == Status.Code.INTERNAL || code == Status.Code.UNKNOWN
          || code == Status.Code.UNIMPLEMENTED
          ? "want the call let through, got " + outcome : null;
    }
    return code == Status.Code.PERMISSION_DENIED && outcome.description().contains("needs " + scope.wireName())
        ? null : "want PERMISSION_DENIED naming " + scope.wireName() + ", got " + outcome;
  }

  private static boolean refusedByAuth(Status.Code code) {
    return code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED;
  }

  /** How a call ended: its status, or ANSWERED when it sent a message (a stream that would go on). */
  private record Outcome(Status.Code code, String description) {
    static final Outcome ANSWERED = new Outcome(null, "a response message");

    @Override
    public String toString() {
      return code == null ? description : code + " (" + description + ")";
    }
  }

  /**
   * Calls {@code fullMethodName} with one empty message (valid bytes for every proto message) and
   * waits for its status or its first response, whichever comes first.
   */
  private static Outcome call(String fullMethodName, MethodType type, String secret) {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setFullMethodName(fullMethodName).setType(type)
        .setRequestMarshaller(RawCalls.BYTES).setResponseMarshaller(RawCalls.BYTES).build();
    Metadata headers = new Metadata();
    if (secret != null) {
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + secret);
    }
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    ClientCall<byte[], byte[]> call = channel.newCall(method, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        outcome.complete(Outcome.ANSWERED);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        outcome.complete(new Outcome(status.getCode(), String.valueOf(status.getDescription())));
      }
    }, headers);
    call.request(1);
    call.sendMessage(new byte[0]);
    call.halfClose();
    try {
      // A guard against a hang, not a verdict: every call here ends or answers at once.
      return outcome.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(fullMethodName + " neither answered nor ended", e);
    } finally {
      call.cancel("done", null);
    }
  }

  /** The methods the running server registered, by full name, as its reflection service lists them. */
  private static Map<String, MethodType> servedMethods() {
    Map<String, MethodType> methods = new TreeMap<>();
    List<String> services = new ArrayList<>();
    reflect(ServerReflectionRequest.newBuilder().setListServices("").build())
        .getListServicesResponse().getServiceList().forEach(s -> services.add(s.getName()));
    for (String service : services) {
      ServerReflectionResponse files = reflect(ServerReflectionRequest.newBuilder().setFileContainingSymbol(service).build());
      boolean found = false;
      for (var bytes : files.getFileDescriptorResponse().getFileDescriptorProtoList()) {
        FileDescriptorProto file;
        try {
          file = FileDescriptorProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError("reflection sent a file that does not parse", e);
        }
        for (ServiceDescriptorProto s : file.getServiceList()) {
          String fullName = file.getPackage().isEmpty() ? s.getName() : file.getPackage() + "." + s.getName();
          if (!fullName.equals(service)) {
            continue;
          }
          found = true;
          for (MethodDescriptorProto m : s.getMethodList()) {
            methods.put(MethodDescriptor.generateFullMethodName(service, m.getName()), type(m));
          }
        }
      }
      assertThat(found).as("reflection describes " + service).isTrue();
    }
    return methods;
  }

  private static MethodType type(MethodDescriptorProto m) {
    if (m.getClientStreaming()) {
      return m.getServerStreaming() ? MethodType.BIDI_STREAMING : MethodType.CLIENT_STREAMING;
    }
    return m.getServerStreaming() ? MethodType.SERVER_STREAMING : MethodType.UNARY;
  }

  private static ServerReflectionResponse reflect(ServerReflectionRequest request) {
    CompletableFuture<ServerReflectionResponse> response = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            response.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            response.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            response.completeExceptionally(new AssertionError("reflection ended without an answer"));
          }
        });
    requests.onNext(request);
    requests.onCompleted();
    try {
      ServerReflectionResponse r = response.get(60, TimeUnit.SECONDS);
      assertThat(r.hasErrorResponse()).as(String.valueOf(r.getErrorResponse())).isFalse();
      return r;
    } catch (Exception e) {
      throw new AssertionError("server reflection did not answer " + request, e);
    }
  }

  private static Map<String, Optional<TokenScope>> table(Object... methodAndScope) {
    Map<String, Optional<TokenScope>> t = new LinkedHashMap<>();
    for (int i = 0; i < methodAndScope.length; i += 2) {
      t.put((String) methodAndScope[i], Optional.ofNullable((TokenScope) methodAndScope[i + 1]));
    }
    return Map.copyOf(t);
  }
}
