package dev.aeserve.server.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.server.ServerConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Durations and batch policies as operators write them, and which setting wins. */
class BatchingConfigTest {

  @Test
  void durationsInTheUnitsOperatorsWrite() {
    assertThat(BatchingConfig.parseDuration("500us")).isEqualTo(Duration.ofNanos(500_000));
    assertThat(BatchingConfig.parseDuration("2ms")).isEqualTo(Duration.ofMillis(2));
    assertThat(BatchingConfig.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(BatchingConfig.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(BatchingConfig.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(BatchingConfig.parseDuration("PT0.002S")).isEqualTo(Duration.ofMillis(2));
    assertThatThrownBy(() -> BatchingConfig.parseDuration("soon")).hasMessageContaining("'soon' is not a duration");
  }

  @Test
  void theMostSpecificPolicyWins() {
    BatchPolicy base = BatchPolicy.defaults();
    BatchingConfig config = BatchingConfig.of(base)
        .withOverride("m", base.withMaxBatchRows(32))
        .withOverride(BatchingConfig.parseOverride("m/encode:max_batch_rows=8,max_queue_delay=1ms", base).getKey(),
            BatchingConfig.parseOverride("m/encode:max_batch_rows=8,max_queue_delay=1ms", base).getValue());
    String spec = "{\"batching\": {\"max_batch_rows\": 64, \"decode\": {\"max_queue_delay\": \"500us\"}}}";
    assertThat(config.policyFor("m", Rpc.ENCODE, spec).maxBatchRows()).isEqualTo(8);
    assertThat(config.policyFor("m", Rpc.ENCODE, spec).maxQueueDelay()).isEqualTo(Duration.ofMillis(1));
    assertThat(config.policyFor("m", Rpc.DECODE, spec).maxBatchRows()).isEqualTo(32);
    assertThat(config.policyFor("other", Rpc.DECODE, spec).maxBatchRows()).isEqualTo(64);
    assertThat(config.policyFor("other", Rpc.DECODE, spec).maxQueueDelay()).isEqualTo(Duration.ofNanos(500_000));
    assertThat(config.policyFor("other", Rpc.ENCODE, "{}")).isEqualTo(base);
    assertThatThrownBy(() -> BatchingConfig.parseOverride("m/encode:max_batch=8", base))
        .hasMessageContaining("unknown batch policy key 'max_batch'");
  }

  @Test
  void theSpecBlockUsesTheCommandLinesNamesAndRefusesAnythingElse() {
    BatchPolicy base = BatchPolicy.defaults();
    SpecBatching block = SpecBatching.fromSpecJson("{\"batching\": {\"max_batch_rows\": 16, \"max_queue_rows\": 64,"
        + " \"preferred\": [4, 8], \"encode\": {\"max_queue_delay\": \"2ms\"}}}");
    assertThat(block.policyFor(Rpc.DECODE, base))
        .isEqualTo(BatchingConfig.parseOverride("m:max_batch_rows=16,max_queue_rows=64,preferred=4|8", base).getValue());
    assertThat(block.policyFor(Rpc.ENCODE, base).maxQueueDelay()).isEqualTo(Duration.ofMillis(2));
    assertThat(SpecBatching.fromSpecJson("{\"family\": \"ae\"}")).isEqualTo(SpecBatching.NONE);
    for (String[] bad : new String[][] {
        {"{\"maxBatchRows\": 64}", "unknown key 'maxBatchRows' in batching"},
        {"{\"encode\": {\"maxQueueDelayMicros\": 5}}", "unknown key 'maxQueueDelayMicros' in batching.encode"},
        {"{\"max_batch_rows\": \"64\"}", "batching.max_batch_rows must be a whole number"},
        {"{\"max_batch_rows\": 1.5}", "batching.max_batch_rows must be a whole number"},
        {"{\"max_queue_delay\": \"soon\"}", "batching.max_queue_delay is not a duration"},
        {"{\"preferred\": 8}", "batching.preferred must be an array"},
        {"[]", "batching must be a JSON object"}}) {
      assertThatThrownBy(() -> SpecBatching.fromSpecJson("{\"batching\": " + bad[0] + "}"))
          .isInstanceOf(dev.aeserve.autoencoders.InvalidSpecException.class).hasMessageContaining(bad[1]);
    }
    assertThatThrownBy(() -> BatchingConfig.of(base).specPolicy(
        SpecBatching.fromSpecJson("{\"batching\": {\"max_batch_rows\": 0}}"), Rpc.ENCODE))
        .isInstanceOf(dev.aeserve.autoencoders.InvalidSpecException.class)
        .hasMessageContaining("max_batch_rows must be >= 1, got 0");
  }

  @Test
  void serverConfigWithersChangeOneFieldAndValidate() {
    ServerConfig c = ServerConfig.defaults().withPort(0).withMaxConnectionAge(Duration.ofMinutes(5));
    assertThat(c.port()).isZero();
    assertThat(c.maxConnectionAge()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.host()).isEqualTo(ServerConfig.defaults().host());
    assertThat(c.withMaxRowsPerRequest(7).maxConnectionAge()).isEqualTo(Duration.ofMinutes(5));
    assertThatThrownBy(() -> c.withMaxConnectionAge(Duration.ZERO)).hasMessageContaining("max connection age");
    assertThatThrownBy(() -> c.withPort(70000)).hasMessageContaining("port must be in");
    assertThat(c.withDevices(List.of(dev.aeserve.autoencoders.ComputeDevice.CPU)).devices()).hasSize(1);
  }

  // Found by mutation testing (docs/testing.md): knobs an override leaves alone, and the edges.

  @Test
  void anOverrideChangesOnlyTheKnobsItNamesAndLaterOnesWin() {
    BatchPolicy base = new BatchPolicy(8, Duration.ofMillis(5), 20, List.of(2));
    assertThat(PolicyOverride.fromText("max_batch_rows=4").applyTo(base))
        .isEqualTo(new BatchPolicy(4, Duration.ofMillis(5), 20, List.of(2)));
    PolicyOverride first = PolicyOverride.fromText("max_queue_delay=7ms,max_queue_rows=99");
    assertThat(first.then(PolicyOverride.fromText("max_batch_rows=3")).applyTo(base))
        .isEqualTo(new BatchPolicy(3, Duration.ofMillis(7), 99, List.of(2)));
    assertThat(first.then(PolicyOverride.fromText("max_queue_delay=1ms,preferred=4")).applyTo(base))
        .isEqualTo(new BatchPolicy(8, Duration.ofMillis(1), 99, List.of(4)));
  }

  @Test
  void maxQueueWaitIsAKnobLikeTheOthersAndMustBePositive() {
    BatchPolicy base = new BatchPolicy(8, Duration.ofMillis(5), 20, List.of(2));
    assertThat(base.maxQueueWait()).isEqualTo(BatchPolicy.DEFAULT_MAX_QUEUE_WAIT);
    assertThat(PolicyOverride.fromText("max_queue_wait=7ms").applyTo(base))
        .isEqualTo(new BatchPolicy(8, Duration.ofMillis(5), 20, List.of(2), Duration.ofMillis(7)));
    // Another override that does not name it keeps it.
    assertThat(PolicyOverride.fromText("max_queue_wait=7ms").then(PolicyOverride.fromText("max_batch_rows=4"))
        .applyTo(base).maxQueueWait()).isEqualTo(Duration.ofMillis(7));
    assertThat(SpecBatching.fromSpecJson("{\"batching\": {\"encode\": {\"max_queue_wait\": \"500us\"}}}")
        .policyFor(dev.aeserve.autoencoders.Rpc.ENCODE, base).maxQueueWait()).isEqualTo(Duration.ofNanos(500_000));
    assertThatThrownBy(() -> PolicyOverride.fromText("max_queue_wait=0ms").applyTo(base))
        .hasMessage("max_queue_wait must be positive, got PT0S");
    assertThatThrownBy(() -> SpecBatching.fromSpecJson("{\"batching\": {\"max_queue_wait\": 20}}"))
        .hasMessageContaining("batching.max_queue_wait must be a duration string");
  }

  @Test
  void anOverrideWithoutAModelNameIsRefused() {
    assertThatThrownBy(() -> BatchingConfig.parseOverride(":max_batch_rows=4", BatchPolicy.defaults()))
        .hasMessage("batch policy ':max_batch_rows=4' must look like MODEL[/RPC]:max_batch_rows=64,...");
    assertThat(BatchingConfig.parseOverride("m:max_batch_rows=4", BatchPolicy.defaults()).getKey()).isEqualTo("m");
  }

  @Test
  void aWrongJsonValueIsNamedByItsKind() {
    var json = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
    assertThat(PolicyOverride.kind(json.numberNode(1.5))).isEqualTo("number fraction");
    assertThat(PolicyOverride.kind(json.numberNode(1L << 40))).isEqualTo("number integer out of range");
    assertThat(PolicyOverride.kind(json.textNode("x"))).isEqualTo("string");
  }
}
