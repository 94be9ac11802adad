package dev.aeserve.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The gRPC service config the client's channel starts with: retries live here, not in code (the
 * channel replays a call that failed before the server answered, with exponential backoff).
 *
 * <p>Retried on UNAVAILABLE (server starting, draining, loading the model) and RESOURCE_EXHAUSTED (a
 * full batch queue): every inference call, and the registry and rollout reads. Registry and rollout
 * writes are not retried: a write whose answer was lost may have committed.
 */
final class ServiceConfig {

  static final List<String> RETRYABLE_CODES = List.of("UNAVAILABLE", "RESOURCE_EXHAUSTED");

  private ServiceConfig() {}

  /**
   * The config as grpc-java's {@code defaultServiceConfig} wants it (numbers as doubles): the load-balancing
   * policy, and retries unless {@code maxAttempts} is 1.
   */
  static Map<String, ?> of(int maxAttempts, Duration initialBackoff, Duration maxBackoff, String loadBalancing) {
    List<Map<String, ?>> balancing = List.of(Map.of(loadBalancing, Map.of()));
    if (maxAttempts <= 1) {
      return Map.of("loadBalancingConfig", balancing);
    }
    Map<String, Object> retryPolicy = Map.of(
        "maxAttempts", (double) maxAttempts,
        "initialBackoff", seconds(initialBackoff),
        "maxBackoff", seconds(maxBackoff),
        "backoffMultiplier", 2.0,
        "retryableStatusCodes", RETRYABLE_CODES);
    List<Map<String, ?>> names = List.of(
        Map.of("service", "aeserve.v1.Autoencoder"),
        Map.of("service", "aeserve.v1.ModelRegistry", "method", "GetModel"),
        Map.of("service", "aeserve.v1.ModelRegistry", "method", "ListModels"),
        Map.of("service", "aeserve.v1.ModelRegistry", "method", "GetVersion"),
        Map.of("service", "aeserve.v1.ModelRegistry", "method", "ListVersions"),
        Map.of("service", "aeserve.v1.ModelRegistry", "method", "ListEvents"),
        Map.of("service", "aeserve.v1.Rollouts", "method", "GetTraffic"),
        Map.of("service", "aeserve.v1.Rollouts", "method", "CompareShadow"));
    return Map.of("loadBalancingConfig", balancing,
        "methodConfig", List.of(Map.of("name", names, "retryPolicy", retryPolicy)));
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.3fs", d.toNanos() / 1e9);
  }
}
