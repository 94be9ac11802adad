package dev.aeserve.client;

import com.google.protobuf.ByteString;
import dev.aeserve.proto.v1.AliasInfo;
import dev.aeserve.proto.v1.ArchiveVersionRequest;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.CreateModelRequest;
import dev.aeserve.proto.v1.DecodeRequest;
import dev.aeserve.proto.v1.DecodeResponse;
import dev.aeserve.proto.v1.DeleteAliasRequest;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.GetModelRequest;
import dev.aeserve.proto.v1.ListEventsRequest;
import dev.aeserve.proto.v1.ListModelsRequest;
import dev.aeserve.proto.v1.ListVersionsRequest;
import dev.aeserve.proto.v1.ModelDetails;
import dev.aeserve.proto.v1.ModelInfo;
import dev.aeserve.proto.v1.ModelRegistryGrpc;
import dev.aeserve.proto.v1.RecalibrateRequest;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.ReconstructResponse;
import dev.aeserve.proto.v1.RegistryEvent;
import dev.aeserve.proto.v1.SetAliasRequest;
import dev.aeserve.proto.v1.UploadHeader;
import dev.aeserve.proto.v1.UploadVersionRequest;
import dev.aeserve.proto.v1.VersionInfo;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A typed client for an aeserve server: {@code float[][]} in and out, a deadline on every call,
 * and the version that served each call in every result. Failures are {@link AeserveException}s
 * carrying the server's status code.
 *
 * <pre>{@code
 * try (AeserveClient client = AeserveClient.connect("127.0.0.1:50051")) {
 *   EncodeResult r = client.encode(ModelSelector.parse("fashion-ae@production"), rows);
 *   System.out.println(r.latents().length + " codes from version " + r.servedBy().version());
 * }
 * }</pre>
 */
public final class AeserveClient implements AutoCloseable {

  /** Weights go up in chunks of this size, well under gRPC's default message limit. */
  private static final int UPLOAD_CHUNK_BYTES = 1 << 20;

  private final ManagedChannel owned;
  private final AutoencoderGrpc.AutoencoderBlockingStub inference;
  private final ModelRegistryGrpc.ModelRegistryBlockingStub registry;
  private final ModelRegistryGrpc.ModelRegistryStub registryAsync;
  private final Duration deadline;

  private AeserveClient(Channel channel, ManagedChannel owned, Duration deadline, String actor) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("x-aeserve-actor", Metadata.ASCII_STRING_MARSHALLER), actor);
    Channel ch = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    this.owned = owned;
    this.deadline = deadline;
    this.inference = AutoencoderGrpc.newBlockingStub(ch);
    this.registry = ModelRegistryGrpc.newBlockingStub(ch);
    this.registryAsync = ModelRegistryGrpc.newStub(ch);
  }

  /** Connects in plaintext to {@code host:port} with a 30-second deadline per call. */
  public static AeserveClient connect(String target) {
    return builder(target).build();
  }

  public static Builder builder(String target) {
    return new Builder(target);
  }

  /** Uses a channel the caller owns (for example an in-process one); closing the client leaves it open. */
  public static AeserveClient forChannel(Channel channel, Duration deadline) {
    return new AeserveClient(channel, null, deadline, System.getProperty("user.name", "anonymous"));
  }

  // ---- inference ----------------------------------------------------------------------------

  public EncodeResult encode(ModelSelector model, float[][] inputs) {
    EncodeResponse r = call(() -> inference.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .encode(EncodeRequest.newBuilder().setModel(model.toProto()).setInputs(Matrices.toProto(inputs)).build()));
    return new EncodeResult(Matrices.fromProto(r.getLatents()), r.getLatentFingerprint(), ServedVersion.of(r.getServedBy()));
  }

  public DecodeResult decode(ModelSelector model, float[][] latents) {
    return decode(model, latents, null);
  }

  /** Decodes, refusing (FAILED_PRECONDITION) if the codes come from another latent space than {@code fingerprint}. */
  public DecodeResult decode(ModelSelector model, float[][] latents, String fingerprint) {
    DecodeRequest.Builder b = DecodeRequest.newBuilder().setModel(model.toProto()).setLatents(Matrices.toProto(latents));
    if (fingerprint != null) {
      b.setLatentFingerprint(fingerprint);
    }
    DecodeResponse r = call(() -> inference.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .decode(b.build()));
    return new DecodeResult(Matrices.fromProto(r.getOutputs()), ServedVersion.of(r.getServedBy()));
  }

  public ReconstructResult reconstruct(ModelSelector model, float[][] inputs) {
    ReconstructResponse r = call(() -> inference.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .reconstruct(ReconstructRequest.newBuilder().setModel(model.toProto()).setInputs(Matrices.toProto(inputs))
            .build()));
    float[] scores = new float[r.getScoresCount()];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = r.getScores(i);
    }
    boolean[] anomalous = new boolean[r.getAnomalousCount()];
    for (int i = 0; i < anomalous.length; i++) {
      anomalous[i] = r.getAnomalous(i);
    }
    Optional<Double> threshold = r.hasCalibration() ? Optional.of(r.getCalibration().getThreshold()) : Optional.empty();
    return new ReconstructResult(Matrices.fromProto(r.getOutputs()), scores, anomalous, threshold,
        ServedVersion.of(r.getServedBy()));
  }

  /** The raw stub, with this client's headers, for calls the typed API does not cover yet. */
  public AutoencoderGrpc.AutoencoderBlockingStub inferenceStub() {
    return inference.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---- registry -----------------------------------------------------------------------------

  public ModelInfo createModel(String name, String family, String description) {
    return call(() -> registryStub().createModel(CreateModelRequest.newBuilder()
        .setName(name).setFamily(family).setDescription(description == null ? "" : description).build()));
  }

  public List<ModelInfo> listModels() {
    return call(() -> registryStub().listModels(ListModelsRequest.getDefaultInstance()).getModelsList());
  }

  public ModelDetails getModel(String name) {
    return call(() -> registryStub().getModel(GetModelRequest.newBuilder().setName(name).build()));
  }

  public List<VersionInfo> listVersions(String model) {
    return call(() -> registryStub().listVersions(ListVersionsRequest.newBuilder().setModel(model).build())
        .getVersionsList());
  }

  public AliasInfo setAlias(String model, String alias, int version) {
    return call(() -> registryStub().setAlias(SetAliasRequest.newBuilder()
        .setModel(model).setAlias(alias).setVersion(version).build()));
  }

  public void deleteAlias(String model, String alias) {
    call(() -> registryStub().deleteAlias(DeleteAliasRequest.newBuilder().setModel(model).setAlias(alias).build()));
  }

  /** A new version sharing {@code version}'s weights, with a new calibration (JSON). */
  public VersionInfo recalibrate(String model, int version, String calibrationJson) {
    return call(() -> registryStub().recalibrate(RecalibrateRequest.newBuilder()
        .setModel(model).setVersion(version).setCalibrationJson(calibrationJson).build()));
  }

  public VersionInfo archiveVersion(String model, int version) {
    return call(() -> registryStub().archiveVersion(ArchiveVersionRequest.newBuilder()
        .setModel(model).setVersion(version).build()));
  }

  public List<RegistryEvent> listEvents(String model, int limit) {
    return call(() -> registryStub().listEvents(ListEventsRequest.newBuilder()
        .setModel(model == null ? "" : model).setLimit(limit).build()).getEventsList());
  }

  /**
   * Uploads a new version: the header with the weights' size and sha256, then the weights in
   * chunks. The server creates the version only once every byte has arrived and checks out.
   *
   * @param calibrationJson null for none
   */
  public VersionInfo uploadVersion(String model, String specJson, String metricsJson, String calibrationJson,
      byte[] weights) {
    Objects.requireNonNull(weights, "weights");
    UploadHeader.Builder header = UploadHeader.newBuilder()
        .setModel(model)
        .setSpecJson(specJson)
        .setMetricsJson(metricsJson == null ? "{}" : metricsJson)
        .setArtifactSize(weights.length)
        .setArtifactSha256(sha256(weights));
    if (calibrationJson != null) {
      header.setCalibrationJson(calibrationJson);
    }
    CompletableFuture<VersionInfo> result = new CompletableFuture<>();
    StreamObserver<UploadVersionRequest> stream = registryAsync
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .uploadVersion(new StreamObserver<>() {
          @Override
          public void onNext(VersionInfo v) {
            result.complete(v);
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            result.completeExceptionally(new IllegalStateException("upload finished without a version"));
          }
        });
    stream.onNext(UploadVersionRequest.newBuilder().setHeader(header).build());
    for (int off = 0; off < weights.length; off += UPLOAD_CHUNK_BYTES) {
      int len = Math.min(UPLOAD_CHUNK_BYTES, weights.length - off);
      stream.onNext(UploadVersionRequest.newBuilder().setChunk(ByteString.copyFrom(weights, off, len)).build());
    }
    stream.onCompleted();
    try {
      return result.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException sre) {
        throw new AeserveException(sre);
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while uploading", e);
    }
  }

  private ModelRegistryGrpc.ModelRegistryBlockingStub registryStub() {
    return registry.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static <T> T call(Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw new AeserveException(e);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (owned != null) {
      owned.shutdown();
      try {
        if (!owned.awaitTermination(5, TimeUnit.SECONDS)) {
          owned.shutdownNow();
        }
      } catch (InterruptedException e) {
        owned.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Connection options. */
  public static final class Builder {
    private final String target;
    private Duration deadline = Duration.ofSeconds(30);
    private String actor = System.getProperty("user.name", "anonymous");

    private Builder(String target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /** Deadline of each call (default 30 s). */
    public Builder deadline(Duration d) {
      this.deadline = Objects.requireNonNull(d, "deadline");
      return this;
    }

    /** Name recorded in the registry's audit log for changes made through this client. */
    public Builder actor(String a) {
      this.actor = Objects.requireNonNull(a, "actor");
      return this;
    }

    public AeserveClient build() {
      ManagedChannel channel = NettyChannelBuilder.forTarget(target)
          .usePlaintext()
          .maxInboundMessageSize(64 << 20)
          .build();
      return new AeserveClient(channel, channel, deadline, actor);
    }
  }
}
