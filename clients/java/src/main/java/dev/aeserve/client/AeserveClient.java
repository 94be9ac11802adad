package dev.aeserve.client;

import com.google.protobuf.ByteString;
import dev.aeserve.proto.v1.AliasInfo;
import dev.aeserve.proto.v1.ArchiveVersionRequest;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.CompareShadowRequest;
import dev.aeserve.proto.v1.CompareShadowResponse;
import dev.aeserve.proto.v1.Condition;
import dev.aeserve.proto.v1.CreateModelRequest;
import dev.aeserve.proto.v1.DecodeRequest;
import dev.aeserve.proto.v1.DecodeResponse;
import dev.aeserve.proto.v1.DeleteAliasRequest;
import dev.aeserve.proto.v1.DenoiseRequest;
import dev.aeserve.proto.v1.DenoiseResponse;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.GetModelRequest;
import dev.aeserve.proto.v1.GetTrafficRequest;
import dev.aeserve.proto.v1.GetVersionRequest;
import dev.aeserve.proto.v1.Interaction;
import dev.aeserve.proto.v1.InterpolationMethod;
import dev.aeserve.proto.v1.ListEventsRequest;
import dev.aeserve.proto.v1.ListModelsRequest;
import dev.aeserve.proto.v1.ListVersionsRequest;
import dev.aeserve.proto.v1.ModelDetails;
import dev.aeserve.proto.v1.ModelInfo;
import dev.aeserve.proto.v1.ModelRegistryGrpc;
import dev.aeserve.proto.v1.PromoteRequest;
import dev.aeserve.proto.v1.QualityGate;
import dev.aeserve.proto.v1.RecalibrateRequest;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.RecommendResponse;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.ReconstructResponse;
import dev.aeserve.proto.v1.RegistryEvent;
import dev.aeserve.proto.v1.RollbackRequest;
import dev.aeserve.proto.v1.RolloutsGrpc;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.SampleResponse;
import dev.aeserve.proto.v1.SetAliasRequest;
import dev.aeserve.proto.v1.SetTrafficRequest;
import dev.aeserve.proto.v1.TrafficArm;
import dev.aeserve.proto.v1.TrafficInfo;
import dev.aeserve.proto.v1.UploadHeader;
import dev.aeserve.proto.v1.UploadVersionRequest;
import dev.aeserve.proto.v1.VersionInfo;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A typed client for an aeserve server: {@code float[][]} in and out, a deadline on every call,
 * and the version that served each call in every result. Failures are {@link AeserveException}s
 * carrying the server's status code.
 *
 * <p>The channel retries UNAVAILABLE and RESOURCE_EXHAUSTED with backoff through its service
 * config, and balances round robin over every address its target resolves to: give it
 * {@code dns:///aeserve-headless.ns.svc:50051} and a Kubernetes headless Service spreads the calls
 * over every replica.
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
  /** Attempts of one logical upload, all under one idempotency key. */
  public static final int UPLOAD_ATTEMPTS = 4;
  private static final int UPLOAD_CHUNK_BYTES = 1 << 20;

  private final ManagedChannel owned;
  private final Channel channel;
  private final Duration deadline;

  private AeserveClient(Channel channel, ManagedChannel owned, Duration deadline, String actor, String bearerToken) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("x-aeserve-actor", Metadata.ASCII_STRING_MARSHALLER), actor);
    if (bearerToken != null) {
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + bearerToken);
    }
    this.channel = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    this.owned = owned;
    this.deadline = deadline;
  }

  /** A view sharing {@code base}'s channel and headers with another deadline; it never closes the channel. */
  private AeserveClient(AeserveClient base, Duration deadline) {
    this.channel = base.channel;
    this.owned = null;
    this.deadline = deadline;
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
    return new AeserveClient(channel, null, deadline, System.getProperty("user.name", "anonymous"), null);
  }

  /**
   * The same client with another deadline per call, for example a short one on a latency-critical path.
   * It shares this client's channel: close this one, not the view.
   */
  public AeserveClient withDeadline(Duration d) {
    return new AeserveClient(this, Objects.requireNonNull(d, "deadline"));
  }

  // ---- inference ----------------------------------------------------------------------------

  public EncodeResult encode(ModelSelector model, float[][] inputs) {
    return encode(model, inputs, EncodeOptions.defaults());
  }

  public EncodeResult encode(ModelSelector model, float[][] inputs, EncodeOptions options) {
    EncodeRequest.Builder b = EncodeRequest.newBuilder().setModel(model.toProto()).setInputs(Matrices.toProto(inputs))
        .setSample(options.sample());
    if (options.seed() != null) {
      b.setSeed(options.seed());
    }
    if (!options.condition().isEmpty()) {
      b.setCondition(condition(options.condition()));
    }
    EncodeResponse r = call(() -> inference().encode(b.build()));
    return new EncodeResult(Matrices.fromProto(r.getLatents()), r.getLatentFingerprint(),
        ServedVersion.of(r.getServedBy()), Matrices.fromProto(r.getLogVariances()), Matrices.fromProto(r.getSamples()),
        r.hasSeed() ? OptionalLong.of(r.getSeed()) : OptionalLong.empty());
  }

  public DecodeResult decode(ModelSelector model, float[][] latents) {
    return decode(model, latents, DecodeOptions.defaults());
  }

  /** Decodes, refusing (FAILED_PRECONDITION) if the codes come from another latent space than {@code fingerprint}. */
  public DecodeResult decode(ModelSelector model, float[][] latents, String fingerprint) {
    return decode(model, latents, DecodeOptions.defaults().withFingerprint(fingerprint));
  }

  public DecodeResult decode(ModelSelector model, float[][] latents, DecodeOptions options) {
    DecodeRequest.Builder b = DecodeRequest.newBuilder().setModel(model.toProto()).setLatents(Matrices.toProto(latents));
    if (options.latentFingerprint() != null) {
      b.setLatentFingerprint(options.latentFingerprint());
    }
    if (!options.condition().isEmpty()) {
      b.setCondition(condition(options.condition()));
    }
    DecodeResponse r = call(() -> inference().decode(b.build()));
    return new DecodeResult(Matrices.fromProto(r.getOutputs()), ServedVersion.of(r.getServedBy()),
        r.getLatentFingerprint());
  }

  public ReconstructResult reconstruct(ModelSelector model, float[][] inputs) {
    return reconstruct(model, inputs, ReconstructOptions.defaults());
  }

  public ReconstructResult reconstruct(ModelSelector model, float[][] inputs, ReconstructOptions options) {
    ReconstructRequest request = reconstructRequest(model, inputs, options);
    return reconstructResult(call(() -> inference().reconstruct(request)));
  }

  /**
   * Scores many windows on one stream (for example sensor windows), one result per window in order.
   * The whole call, every window included, has this client's deadline.
   */
  public List<ReconstructResult> reconstructStream(ModelSelector model, Iterable<float[][]> windows,
      ReconstructOptions options) {
    List<ReconstructResult> results = new ArrayList<>();
    CompletableFuture<List<ReconstructResult>> done = new CompletableFuture<>();
    StreamObserver<ReconstructRequest> requests = AutoencoderGrpc.newStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .reconstructStream(new StreamObserver<>() {
          @Override
          public void onNext(ReconstructResponse r) {
            results.add(reconstructResult(r));
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(results);
          }
        });
    try {
      for (float[][] window : windows) {
        requests.onNext(reconstructRequest(model, window, options));
      }
    } catch (RuntimeException e) {
      requests.onError(e);
      throw e;
    }
    requests.onCompleted();
    return await(done);
  }

  /** Draws from the prior or interpolates (families with a prior: vae, cvae, multvae). */
  public SampleResult sample(ModelSelector model, SampleOptions options) {
    SampleRequest.Builder b = SampleRequest.newBuilder().setModel(model.toProto()).setCount(options.count());
    if (options.seed() != null) {
      b.setSeed(options.seed());
    }
    if (options.temperature() != null) {
      b.setTemperature(options.temperature());
    }
    if (!options.condition().isEmpty()) {
      b.setCondition(condition(options.condition()));
    }
    SampleOptions.Interpolation in = options.interpolation();
    if (in != null) {
      dev.aeserve.proto.v1.Interpolation.Builder ib = dev.aeserve.proto.v1.Interpolation.newBuilder()
          .setSteps(in.steps())
          .setMethod(in.slerp() ? InterpolationMethod.INTERPOLATION_METHOD_SLERP
              : InterpolationMethod.INTERPOLATION_METHOD_LINEAR);
      if (in.latents()) {
        ib.setLatents(Matrices.toProto(in.endpoints()));
      } else {
        ib.setInputs(Matrices.toProto(in.endpoints()));
      }
      b.setInterpolation(ib);
    }
    SampleResponse r = call(() -> inference().sample(b.build()));
    return new SampleResult(Matrices.fromProto(r.getSamples()), Matrices.fromProto(r.getLatents()), r.getSeed(),
        ServedVersion.of(r.getServedBy()));
  }

  /** Noisy rows to clean ones (family dae). */
  public DenoiseResult denoise(ModelSelector model, float[][] inputs) {
    return denoise(model, inputs, null, false);
  }

  /**
   * Corrupts clean {@code inputs} on the server with {@code corruption} (null for none), then denoises them.
   *
   * @param returnCorrupted also return the corrupted rows
   */
  public DenoiseResult denoise(ModelSelector model, float[][] inputs, Corruption corruption, boolean returnCorrupted) {
    DenoiseRequest.Builder b = DenoiseRequest.newBuilder().setModel(model.toProto()).setInputs(Matrices.toProto(inputs))
        .setReturnCorrupted(returnCorrupted);
    if (corruption != null) {
      dev.aeserve.proto.v1.Corruption.Builder cb = dev.aeserve.proto.v1.Corruption.newBuilder()
          .setGaussianSigma(corruption.gaussianSigma())
          .setMaskProbability(corruption.maskProbability())
          .setSaltPepperProbability(corruption.saltPepperProbability());
      if (corruption.seed() != null) {
        cb.setSeed(corruption.seed());
      }
      if (corruption.clipMin() != null) {
        cb.setClipMin(corruption.clipMin());
      }
      if (corruption.clipMax() != null) {
        cb.setClipMax(corruption.clipMax());
      }
      b.setCorruption(cb);
    }
    DenoiseResponse r = call(() -> inference().denoise(b.build()));
    float[] cleanErrors = new float[r.getCleanErrorsCount()];
    for (int i = 0; i < cleanErrors.length; i++) {
      cleanErrors[i] = r.getCleanErrors(i);
    }
    return new DenoiseResult(Matrices.fromProto(r.getOutputs()), Matrices.fromProto(r.getCorrupted()),
        r.hasCorruptionSeed() ? OptionalLong.of(r.getCorruptionSeed()) : OptionalLong.empty(), cleanErrors,
        ServedVersion.of(r.getServedBy()));
  }

  /** Ranked items for each user (families autorec and multvae). */
  public RecommendResult recommend(ModelSelector model, List<UserHistory> users, RecommendOptions options) {
    RecommendRequest.Builder b = RecommendRequest.newBuilder().setModel(model.toProto()).setK(options.k())
        .addAllCandidateItems(options.candidates()).addAllExcludedItems(options.excluded());
    if (options.excludeSeen() != null) {
      b.setExcludeSeen(options.excludeSeen());
    }
    for (UserHistory u : users) {
      dev.aeserve.proto.v1.UserHistory.Builder ub = dev.aeserve.proto.v1.UserHistory.newBuilder().setUserId(u.userId());
      u.interactions().forEach((item, value) ->
          ub.addInteractions(Interaction.newBuilder().setItemId(item).setValue(value)));
      b.addUsers(ub);
    }
    RecommendResponse r = call(() -> inference().recommend(b.build()));
    List<RecommendResult.UserItems> out = r.getUsersList().stream()
        .map(u -> new RecommendResult.UserItems(u.getUserId(),
            u.getItemsList().stream().map(i -> new RecommendResult.ScoredItem(i.getItemId(), i.getScore())).toList(),
            List.copyOf(u.getUnknownItemsList())))
        .toList();
    return new RecommendResult(out, ServedVersion.of(r.getServedBy()));
  }

  /** The raw stub, with this client's headers, for calls the typed API does not cover. */
  public AutoencoderGrpc.AutoencoderBlockingStub inferenceStub() {
    return inference();
  }

  private AutoencoderGrpc.AutoencoderBlockingStub inference() {
    return AutoencoderGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static ReconstructRequest reconstructRequest(ModelSelector model, float[][] inputs,
      ReconstructOptions options) {
    ReconstructRequest.Builder b = ReconstructRequest.newBuilder().setModel(model.toProto())
        .setInputs(Matrices.toProto(inputs))
        .setOmitOutputs(options.omitOutputs())
        .setIncludeFeatureErrors(options.featureErrors())
        .setScoreKind(options.scoreKind());
    if (!options.condition().isEmpty()) {
      b.setCondition(condition(options.condition()));
    }
    return b.build();
  }

  private static ReconstructResult reconstructResult(ReconstructResponse r) {
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
        ServedVersion.of(r.getServedBy()), r.getScoreKind(), Matrices.fromProto(r.getFeatureErrors()),
        r.hasCalibration() ? Optional.of(r.getCalibration()) : Optional.empty(), List.copyOf(r.getOutsideDomainList()));
  }

  private static Condition condition(List<String> labels) {
    return Condition.newBuilder().addAllLabels(labels).build();
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

  public VersionInfo getVersion(String model, int version) {
    return call(() -> registryStub().getVersion(GetVersionRequest.newBuilder().setModel(model).setVersion(version)
        .build()));
  }

  /** The version an alias points at ({@code latest}: the newest READY one). */
  public VersionInfo getVersion(String model, String alias) {
    return call(() -> registryStub().getVersion(GetVersionRequest.newBuilder().setModel(model).setAlias(alias)
        .build()));
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
   * <p>The upload carries a fresh idempotency key and is retried with the same key when the server
   * is unavailable or the connection fails (up to {@value #UPLOAD_ATTEMPTS} attempts): an attempt
   * whose answer was lost but whose version was created returns that version, never a second one.
   *
   * @param calibrationJson null for none
   */
  public VersionInfo uploadVersion(String model, String specJson, String metricsJson, String calibrationJson,
      byte[] weights) {
    return uploadVersion(model, specJson, metricsJson, calibrationJson, weights, UUID.randomUUID().toString());
  }

  /**
   * As {@link #uploadVersion(String, String, String, String, byte[])} under the caller's
   * idempotency key: a caller that retries a logical upload itself (after a restart, say) passes
   * the key it used the first time.
   */
  public VersionInfo uploadVersion(String model, String specJson, String metricsJson, String calibrationJson,
      byte[] weights, String idempotencyKey) {
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    UploadHeader.Builder header = UploadHeader.newBuilder()
        .setModel(model)
        .setSpecJson(specJson)
        .setMetricsJson(metricsJson == null ? "{}" : metricsJson)
        .setArtifactSize(weights.length)
        .setArtifactSha256(sha256(weights))
        .setIdempotencyKey(idempotencyKey);
    if (calibrationJson != null) {
      header.setCalibrationJson(calibrationJson);
    }
    long backoffMillis = 200;
    for (int attempt = 1; ; attempt++) {
      try {
        return uploadOnce(header.build(), weights);
      } catch (AeserveException e) {
        if (attempt >= UPLOAD_ATTEMPTS || e.code() != Status.Code.UNAVAILABLE) {
          throw e;
        }
      }
      try {
        Thread.sleep(backoffMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted between upload attempts", e);
      }
      backoffMillis = Math.min(2000, backoffMillis * 2);
    }
  }

  private VersionInfo uploadOnce(UploadHeader header, byte[] weights) {
    CompletableFuture<VersionInfo> result = new CompletableFuture<>();
    StreamObserver<UploadVersionRequest> stream = ModelRegistryGrpc.newStub(channel)
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
    return await(result);
  }

  private ModelRegistryGrpc.ModelRegistryBlockingStub registryStub() {
    return ModelRegistryGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---- rollouts -----------------------------------------------------------------------------

  /**
   * Replaces the model's traffic split.
   *
   * @param primaries version to percent of live traffic (the weights sum to 100), in order
   * @param shadows version to percent of primary calls copied to it; empty for none
   */
  public TrafficInfo setTraffic(String model, Map<Integer, Integer> primaries, Map<Integer, Integer> shadows) {
    return setTraffic(model, primaries, shadows, null);
  }

  /** As {@link #setTraffic(String, Map, Map)}, with a quality gate (null for none). */
  public TrafficInfo setTraffic(String model, Map<Integer, Integer> primaries, Map<Integer, Integer> shadows,
      QualityGate gate) {
    SetTrafficRequest.Builder b = SetTrafficRequest.newBuilder().setModel(model);
    primaries.forEach((v, w) -> b.addPrimaries(TrafficArm.newBuilder().setVersion(v).setWeight(w)));
    shadows.forEach((v, w) -> b.addShadows(TrafficArm.newBuilder().setVersion(v).setWeight(w)));
    if (gate != null) {
      b.setGate(gate);
    }
    return call(() -> rolloutsStub().setTraffic(b.build()));
  }

  public TrafficInfo getTraffic(String model) {
    return call(() -> rolloutsStub().getTraffic(GetTrafficRequest.newBuilder().setModel(model).build()));
  }

  /** All traffic to {@code version}, and {@code alias} (null for none) to it, in one registry transaction. */
  public TrafficInfo promote(String model, int version, String alias) {
    return call(() -> rolloutsStub().promote(PromoteRequest.newBuilder().setModel(model).setVersion(version)
        .setAlias(alias == null ? "" : alias).build()));
  }

  /** Restores the routing from before the model's last routing change. */
  public TrafficInfo rollback(String model) {
    return call(() -> rolloutsStub().rollback(RollbackRequest.newBuilder().setModel(model).build()));
  }

  /** How each shadow differed from its primary on the traffic the answering server served. */
  public CompareShadowResponse compareShadow(String model) {
    return call(() -> rolloutsStub().compareShadow(CompareShadowRequest.newBuilder().setModel(model).build()));
  }

  private RolloutsGrpc.RolloutsBlockingStub rolloutsStub() {
    return RolloutsGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private static <T> T call(Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw new AeserveException(e);
    }
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException sre) {
        throw new AeserveException(sre);
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the server", e);
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
    private String bearerToken;
    private File trustedCertificates;
    private boolean tls;
    private int maxAttempts = 4;
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(2);
    private String loadBalancingPolicy = "round_robin";

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

    /** Sends {@code authorization: Bearer TOKEN} on every call. Use it with TLS: the token is a secret. */
    public Builder bearerToken(String token) {
      this.bearerToken = Objects.requireNonNull(token, "token");
      return this;
    }

    /** TLS, trusting the JVM's default certificate authorities. */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /** TLS, trusting the certificate authorities in a PEM file (for a private CA). */
    public Builder tls(File rootCertificatesPem) {
      this.tls = true;
      this.trustedCertificates = Objects.requireNonNull(rootCertificatesPem, "rootCertificatesPem");
      return this;
    }

    /**
     * Attempts per call, the first included, on UNAVAILABLE and RESOURCE_EXHAUSTED (default 4; 1 turns
     * retries off), with exponential backoff from {@code initialBackoff} up to {@code maxBackoff}.
     */
    public Builder retries(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      this.initialBackoff = Objects.requireNonNull(initialBackoff, "initialBackoff");
      this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
      return this;
    }

    /** gRPC load-balancing policy over the target's addresses: {@code round_robin} (default) or {@code pick_first}. */
    public Builder loadBalancing(String policy) {
      this.loadBalancingPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    public AeserveClient build() {
      ManagedChannel channel = configure(Grpc.newChannelBuilder(target, credentials())).build();
      return new AeserveClient(channel, channel, deadline, actor, bearerToken);
    }

    /** Builds on a channel builder the caller chose (an in-process one in tests), with this builder's settings. */
    AeserveClient build(ManagedChannelBuilder<?> channelBuilder) {
      ManagedChannel channel = configure(channelBuilder).build();
      return new AeserveClient(channel, channel, deadline, actor, bearerToken);
    }

    private ManagedChannelBuilder<?> configure(ManagedChannelBuilder<?> b) {
      // The policy goes in the service config rather than defaultLoadBalancingPolicy, which channels with
      // a fixed address (in-process ones) refuse.
      b.maxInboundMessageSize(64 << 20)
          .defaultServiceConfig(ServiceConfig.of(maxAttempts, initialBackoff, maxBackoff, loadBalancingPolicy));
      if (maxAttempts > 1) {
        b.enableRetry().maxRetryAttempts(maxAttempts);
      } else {
        b.disableRetry();
      }
      return b;
    }

    private ChannelCredentials credentials() {
      if (!tls) {
        return InsecureChannelCredentials.create();
      }
      if (trustedCertificates == null) {
        return TlsChannelCredentials.create();
      }
      try {
        return TlsChannelCredentials.newBuilder().trustManager(trustedCertificates).build();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + trustedCertificates, e);
      }
    }
  }
}
