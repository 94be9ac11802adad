package dev.aeserve.server.grpc;

import com.google.protobuf.Timestamp;
import com.google.protobuf.ByteString;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Texts;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.proto.v1.AliasInfo;
import dev.aeserve.proto.v1.ArchiveVersionRequest;
import dev.aeserve.proto.v1.CreateModelRequest;
import dev.aeserve.proto.v1.DeleteAliasRequest;
import dev.aeserve.proto.v1.DeleteAliasResponse;
import dev.aeserve.proto.v1.GetModelRequest;
import dev.aeserve.proto.v1.GetVersionRequest;
import dev.aeserve.proto.v1.ListEventsRequest;
import dev.aeserve.proto.v1.ListEventsResponse;
import dev.aeserve.proto.v1.ListModelsRequest;
import dev.aeserve.proto.v1.ListModelsResponse;
import dev.aeserve.proto.v1.ListVersionsRequest;
import dev.aeserve.proto.v1.ListVersionsResponse;
import dev.aeserve.proto.v1.ModelDetails;
import dev.aeserve.proto.v1.ModelInfo;
import dev.aeserve.proto.v1.ModelRegistryGrpc;
import dev.aeserve.proto.v1.RecalibrateRequest;
import dev.aeserve.proto.v1.SetAliasRequest;
import dev.aeserve.proto.v1.UploadHeader;
import dev.aeserve.proto.v1.UploadVersionRequest;
import dev.aeserve.proto.v1.VersionInfo;
import dev.aeserve.registry.Alias;
import dev.aeserve.registry.Model;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.RegistryEvent;
import dev.aeserve.server.InvalidRequestException;
import dev.aeserve.server.LimitExceededException;
import dev.aeserve.server.rollout.Rollouts;
import dev.aeserve.server.runtime.UploadValidator;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The ModelRegistry service: a thin adapter over {@link ModelRegistry}. */
public final class RegistryService extends ModelRegistryGrpc.ModelRegistryImplBase {

  private static final int DEFAULT_EVENTS = 100;
  private static final int MAX_EVENTS = 1000;

  private final ModelRegistry registry;
  private final UploadValidator validator;
  private final Rollouts rollouts;
  private final long maxArtifactBytes;

  public RegistryService(ModelRegistry registry, UploadValidator validator, Rollouts rollouts, long maxArtifactBytes) {
    this.registry = registry;
    this.validator = validator;
    this.rollouts = rollouts;
    this.maxArtifactBytes = maxArtifactBytes;
  }

  @Override
  public void createModel(CreateModelRequest req, StreamObserver<ModelInfo> out) {
    Calls.unary(out, () -> {
      Family family = Family.fromId(req.getFamily());
      return toProto(registry.createModel(req.getName(), family.id(), req.getDescription(), Actor.current()));
    });
  }

  @Override
  public void getModel(GetModelRequest req, StreamObserver<ModelDetails> out) {
    Calls.unary(out, () -> {
      Model model = registry.getModel(req.getName());
      List<Alias> aliases = registry.listAliases(model.name());
      ModelDetails.Builder b = ModelDetails.newBuilder().setModel(toProto(model));
      registry.listVersions(model.name()).forEach(v -> b.addVersions(toProto(v, aliases)));
      aliases.forEach(a -> b.addAliases(toProto(a)));
      return b.build();
    });
  }

  @Override
  public void listModels(ListModelsRequest req, StreamObserver<ListModelsResponse> out) {
    Calls.unary(out, () -> {
      ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
      registry.listModels().forEach(m -> b.addModels(toProto(m)));
      return b.build();
    });
  }

  @Override
  public StreamObserver<UploadVersionRequest> uploadVersion(StreamObserver<VersionInfo> out) {
    return new Upload(out);
  }

  @Override
  public void getVersion(GetVersionRequest req, StreamObserver<VersionInfo> out) {
    Calls.unary(out, () -> {
      int version = switch (req.getSelectorCase()) {
        case VERSION -> UnsignedFields.version("version", req.getVersion());
        case ALIAS -> registry.resolveAlias(req.getModel(), req.getAlias());
        case SELECTOR_NOT_SET -> throw new InvalidRequestException("set version or alias");
      };
      return toProto(registry.getVersion(req.getModel(), version), registry.listAliases(req.getModel()));
    });
  }

  @Override
  public void listVersions(ListVersionsRequest req, StreamObserver<ListVersionsResponse> out) {
    Calls.unary(out, () -> {
      List<Alias> aliases = registry.listAliases(req.getModel());
      ListVersionsResponse.Builder b = ListVersionsResponse.newBuilder();
      registry.listVersions(req.getModel()).forEach(v -> b.addVersions(toProto(v, aliases)));
      return b.build();
    });
  }

  @Override
  public void setAlias(SetAliasRequest req, StreamObserver<AliasInfo> out) {
    Calls.unary(out, () -> {
      // An alias sends traffic: the version loads and passes its warm-up first, or the alias stays.
      int version = UnsignedFields.version("version", req.getVersion());
      return toProto(rollouts.setAlias(req.getModel(), req.getAlias(), version, Actor.current()));
    });
  }

  @Override
  public void deleteAlias(DeleteAliasRequest req, StreamObserver<DeleteAliasResponse> out) {
    Calls.unary(out, () -> {
      registry.deleteAlias(req.getModel(), req.getAlias(), Actor.current());
      return DeleteAliasResponse.getDefaultInstance();
    });
  }

  @Override
  public void recalibrate(RecalibrateRequest req, StreamObserver<VersionInfo> out) {
    Calls.unary(out, () -> {
      if (req.getCalibrationJson().isBlank()) {
        throw new InvalidRequestException("calibration_json is empty; send the new calibration");
      }
      int version = UnsignedFields.version("version", req.getVersion());
      ModelVersion from = registry.getVersion(req.getModel(), version);
      validator.validateCalibration(AutoencoderSpec.fromJson(from.specJson()), req.getCalibrationJson());
      return toProto(registry.recalibrate(req.getModel(), version, req.getCalibrationJson(), Actor.current()),
          registry.listAliases(req.getModel()));
    });
  }

  @Override
  public void archiveVersion(ArchiveVersionRequest req, StreamObserver<VersionInfo> out) {
    Calls.unary(out, () -> toProto(registry.archiveVersion(req.getModel(), UnsignedFields.version("version",
        req.getVersion()), Actor.current()),
        registry.listAliases(req.getModel())));
  }

  @Override
  public void listEvents(ListEventsRequest req, StreamObserver<ListEventsResponse> out) {
    Calls.unary(out, () -> {
      int limit = req.getLimit() == 0 ? DEFAULT_EVENTS
          : (int) Math.min(Integer.toUnsignedLong(req.getLimit()), MAX_EVENTS);
      Optional<String> model = req.getModel().isEmpty() ? Optional.empty() : Optional.of(req.getModel());
      ListEventsResponse.Builder b = ListEventsResponse.newBuilder();
      registry.events(model, limit).forEach(e -> b.addEvents(toProto(e)));
      return b.build();
    });
  }

  /**
   * One upload stream. Bytes are held until the stream completes; only then, with every byte
   * counted and hashed and the documents and weights checked, does the registry see the version. A
   * stream that breaks off calls {@link #onError} and nothing is written. Memory grows with the
   * bytes that arrived, never with the size a header declares: chunks are kept as they came (a
   * rope, no copies) and hashed on arrival.
   */
  private final class Upload implements StreamObserver<UploadVersionRequest> {
    private final StreamObserver<VersionInfo> out;
    private final String actor = Actor.current();
    private final MessageDigest digest = sha256();
    private UploadHeader header;
    private ByteString received = ByteString.EMPTY;
    private boolean done;

    Upload(StreamObserver<VersionInfo> out) {
      this.out = out;
    }

    @Override
    public void onNext(UploadVersionRequest msg) {
      if (done) {
        return;
      }
      try {
        switch (msg.getPartCase()) {
          case HEADER -> {
            if (header != null) {
              throw new InvalidRequestException("upload sent a second header; send exactly one, first");
            }
            // artifact_size is a uint64: compared and printed unsigned, so 2^63 and up are not negative.
            if (Long.compareUnsigned(msg.getHeader().getArtifactSize(), maxArtifactBytes) > 0) {
              throw new LimitExceededException("artifact of " + Long.toUnsignedString(msg.getHeader().getArtifactSize())
                  + " bytes is over the limit of " + maxArtifactBytes + " bytes");
            }
            header = msg.getHeader();
          }
          case CHUNK -> {
            if (header == null) {
              throw new InvalidRequestException("upload sent weights before its header; send the header first");
            }
            if ((long) received.size() + msg.getChunk().size() > maxArtifactBytes) {
              throw new LimitExceededException("artifact is over the limit of " + maxArtifactBytes + " bytes");
            }
            received = received.concat(msg.getChunk());
            digest.update(msg.getChunk().asReadOnlyByteBuffer());
          }
          case PART_NOT_SET -> throw new InvalidRequestException("upload message has neither header nor chunk");
        }
      } catch (Throwable t) {
        fail(t);
      }
    }

    @Override
    public void onError(Throwable t) {
      // The client gave up half way: drop what arrived; no version was created.
      done = true;
      received = ByteString.EMPTY;
    }

    @Override
    public void onCompleted() {
      if (done) {
        return;
      }
      done = true;
      Calls.unary(out, this::finish);
    }

    private VersionInfo finish() {
      if (header == null) {
        throw new InvalidRequestException("upload ended without a header");
      }
      if (received.size() != header.getArtifactSize()) {
        throw new InvalidRequestException("upload ended after " + received.size() + " of the "
            + Long.toUnsignedString(header.getArtifactSize()) + " bytes its header announced; no version was created");
      }
      if (header.getArtifactSha256().isEmpty()) {
        throw new InvalidRequestException("upload header has no artifact_sha256");
      }
      String hash = HexFormat.of().formatHex(digest.digest());
      if (!hash.equalsIgnoreCase(header.getArtifactSha256())) {
        throw new InvalidRequestException("the uploaded bytes hash to sha256 " + hash + ", the header announced "
            + Texts.capped(header.getArtifactSha256()) + "; the upload was damaged on the way; no version was created");
      }
      byte[] bytes = received.toByteArray();
      received = ByteString.EMPTY;
      Model model = registry.getModel(header.getModel());
      UploadValidator.Documents docs = UploadValidator.documents(header.getSpecJson(), header.getMetricsJson(), bytes);
      validator.validate(model.family(), docs.specJson(), docs.metricsJson(), header.getCalibrationJson(), bytes);
      NewVersion v = new NewVersion(
          header.getModel(),
          docs.specJson(),
          docs.metricsJson().isEmpty() ? "{}" : docs.metricsJson(),
          header.getCalibrationJson().isEmpty() ? null : header.getCalibrationJson(),
          header.hasParentVersion() ? UnsignedFields.version("parent_version", header.getParentVersion()) : null,
          bytes,
          header.getArtifactSha256(),
          header.getIdempotencyKey().isEmpty() ? null : header.getIdempotencyKey());
      return toProto(registry.createVersion(v, actor), List.of());
    }

    private void fail(Throwable t) {
      done = true;
      received = ByteString.EMPTY;
      out.onError(StatusMapper.toStatus(t));
    }
  }

  static ModelInfo toProto(Model m) {
    return ModelInfo.newBuilder()
        .setName(m.name())
        .setFamily(m.family())
        .setDescription(m.description() == null ? "" : m.description())
        .setCreatedAt(timestamp(m.createdAt()))
        .build();
  }

  static VersionInfo toProto(ModelVersion v, List<Alias> aliases) {
    Map<Integer, List<String>> byVersion = aliases.stream()
        .collect(Collectors.groupingBy(Alias::version, Collectors.mapping(Alias::alias, Collectors.toList())));
    VersionInfo.Builder b = VersionInfo.newBuilder()
        .setModel(v.model())
        .setVersion(v.version())
        .setState(dev.aeserve.proto.v1.VersionState.valueOf("VERSION_STATE_" + v.state().name()))
        .setSpecJson(v.specJson())
        .setMetricsJson(v.metricsJson() == null ? "{}" : v.metricsJson())
        .setCalibrationJson(v.calibrationJson() == null ? "" : v.calibrationJson())
        .setArtifactSha256(v.artifactSha256())
        .setSizeBytes(v.sizeBytes())
        .setCreatedBy(v.createdBy() == null ? "" : v.createdBy())
        .setCreatedAt(timestamp(v.createdAt()))
        .setFailureReason(v.failureReason() == null ? "" : v.failureReason())
        .addAllAliases(byVersion.getOrDefault(v.version(), List.of()));
    if (v.parentVersion() != null) {
      b.setParentVersion(v.parentVersion());
    }
    return b.build();
  }

  static AliasInfo toProto(Alias a) {
    return AliasInfo.newBuilder()
        .setModel(a.model())
        .setAlias(a.alias())
        .setVersion(a.version())
        .setUpdatedAt(timestamp(a.updatedAt()))
        .build();
  }

  static dev.aeserve.proto.v1.RegistryEvent toProto(RegistryEvent e) {
    dev.aeserve.proto.v1.RegistryEvent.Builder b = dev.aeserve.proto.v1.RegistryEvent.newBuilder()
        .setId(e.id())
        .setAt(timestamp(e.at()))
        .setActor(e.actor())
        .setAction(e.action())
        .setModel(e.model() == null ? "" : e.model())
        .setDetailsJson(e.detailsJson() == null ? "{}" : e.detailsJson());
    if (e.version() != null) {
      b.setVersion(e.version());
    }
    return b.build();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static Timestamp timestamp(Instant t) {
    if (t == null) {
      return Timestamp.getDefaultInstance();
    }
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
