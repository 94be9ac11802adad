package dev.aeserve.server.grpc;

import com.google.protobuf.Timestamp;
import dev.aeserve.proto.v1.CompareShadowRequest;
import dev.aeserve.proto.v1.CompareShadowResponse;
import dev.aeserve.proto.v1.GetTrafficRequest;
import dev.aeserve.proto.v1.PromoteRequest;
import dev.aeserve.proto.v1.RollbackRequest;
import dev.aeserve.proto.v1.RolloutsGrpc;
import dev.aeserve.proto.v1.SetTrafficRequest;
import dev.aeserve.proto.v1.ShadowComparison;
import dev.aeserve.proto.v1.TrafficArm;
import dev.aeserve.proto.v1.TrafficInfo;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.TrafficSplit;
import dev.aeserve.server.InvalidRequestException;
import dev.aeserve.server.rollout.ShadowComparisons;
import dev.aeserve.server.rollout.Rollouts;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Rollouts service: an adapter over the registry's splits, promotion and rollback. Every
 * version a change would send traffic to is loaded and warmed up here first; one that fails is
 * marked FAILED and the change is refused, so the routing stays as it was.
 */
public final class RolloutService extends RolloutsGrpc.RolloutsImplBase {

  private final ModelRegistry registry;
  private final Rollouts rollouts;
  private final ShadowComparisons comparisons;

  public RolloutService(ModelRegistry registry, Rollouts rollouts, ShadowComparisons comparisons) {
    this.registry = registry;
    this.rollouts = rollouts;
    this.comparisons = comparisons;
  }

  @Override
  public void setTraffic(SetTrafficRequest req, StreamObserver<TrafficInfo> out) {
    Calls.unary(out, () -> {
      Map<Integer, Integer> primaries = arms(req.getPrimariesList(), "primaries");
      Map<Integer, Integer> shadows = arms(req.getShadowsList(), "shadows");
      TrafficSplit.QualityGate gate = req.hasGate()
          ? new TrafficSplit.QualityGate(req.getGate().getMaxErrorIncreasePercent(),
              UnsignedFields.count("gate.min_requests", req.getGate().getMinRequests()))
          : null;
      return toProto(rollouts.setTraffic(req.getModel(), primaries, shadows, gate, Actor.current()), "");
    });
  }

  @Override
  public void getTraffic(GetTrafficRequest req, StreamObserver<TrafficInfo> out) {
    Calls.unary(out, () -> {
      registry.getModel(req.getModel());
      return registry.traffic(req.getModel()).map(s -> toProto(s, ""))
          .orElse(TrafficInfo.newBuilder().setModel(req.getModel()).build());
    });
  }

  @Override
  public void promote(PromoteRequest req, StreamObserver<TrafficInfo> out) {
    Calls.unary(out, () -> {
      int version = UnsignedFields.version("version", req.getVersion());
      String alias = req.getAlias().isEmpty() ? null : req.getAlias();
      return toProto(rollouts.promote(req.getModel(), version, alias, Actor.current()), req.getAlias());
    });
  }

  @Override
  public void rollback(RollbackRequest req, StreamObserver<TrafficInfo> out) {
    Calls.unary(out, () -> rollouts.rollback(req.getModel(), Actor.current()).map(s -> toProto(s, ""))
        .orElse(TrafficInfo.newBuilder().setModel(req.getModel()).build()));
  }

  @Override
  public void compareShadow(CompareShadowRequest req, StreamObserver<CompareShadowResponse> out) {
    Calls.unary(out, () -> {
      registry.getModel(req.getModel());
      CompareShadowResponse.Builder b = CompareShadowResponse.newBuilder();
      for (ShadowComparisons.Comparison c : comparisons.of(req.getModel())) {
        b.addComparisons(ShadowComparison.newBuilder()
            .setPrimaryVersion(c.primaryVersion())
            .setShadowVersion(c.shadowVersion())
            .setReconstructionErrorDifference(stats(c.errorDifference()))
            .setLatentDistance(stats(c.latentDistance()))
            .setSampled(c.sampled())
            .setCompleted(c.completed())
            .setShed(c.shed())
            .setFailed(c.failed()));
      }
      return b.build();
    });
  }

  private static dev.aeserve.proto.v1.DifferenceStats stats(dev.aeserve.server.rollout.DifferenceStatsView s) {
    return dev.aeserve.proto.v1.DifferenceStats.newBuilder()
        .setCount(s.count()).setMean(s.mean()).setP50(s.p50()).setP99(s.p99()).build();
  }

  private static Map<Integer, Integer> arms(java.util.List<TrafficArm> arms, String field) {
    Map<Integer, Integer> out = new LinkedHashMap<>();
    for (TrafficArm a : arms) {
      int version = UnsignedFields.version(field + ": version", a.getVersion());
      if (out.put(version, UnsignedFields.count(field + ": weight", a.getWeight())) != null) {
        throw new InvalidRequestException(field + " name version " + a.getVersion() + " twice");
      }
    }
    return out;
  }

  static TrafficInfo toProto(TrafficSplit s, String alias) {
    TrafficInfo.Builder b = TrafficInfo.newBuilder().setModel(s.model()).setAlias(alias);
    s.primaries().forEach(a -> b.addPrimaries(TrafficArm.newBuilder().setVersion(a.version()).setWeight(a.weight())));
    s.shadows().forEach(a -> b.addShadows(TrafficArm.newBuilder().setVersion(a.version()).setWeight(a.weight())));
    if (s.gate() != null) {
      b.setGate(dev.aeserve.proto.v1.QualityGate.newBuilder()
          .setMaxErrorIncreasePercent(s.gate().maxErrorIncreasePercent())
          .setMinRequests(s.gate().minRequests()));
    }
    if (s.updatedAt() != null) {
      b.setUpdatedAt(Timestamp.newBuilder().setSeconds(s.updatedAt().getEpochSecond()).setNanos(s.updatedAt().getNano()));
    }
    return b.build();
  }
}
