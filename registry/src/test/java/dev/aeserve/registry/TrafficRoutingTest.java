package dev.aeserve.registry;

import static dev.aeserve.registry.BucketAssignmentTest.owners;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aeserve.registry.TrafficSplit.Arm;
import dev.aeserve.registry.TrafficSplit.QualityGate;
import dev.aeserve.registry.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Splits, promotion, rollback and the quality gate on a real Postgres. */
class TrafficRoutingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger names = new AtomicInteger();

  private static Database database;
  private static PostgresModelRegistry registry;

  @BeforeAll
  static void openRegistry() {
    database = TestPostgres.openFreshDatabase();
    registry = new PostgresModelRegistry(database);
  }

  @AfterAll
  static void closeRegistry() {
    registry.close();
    database.close();
  }

  // ---- setTraffic

  @Test
  void setTrafficRoundTrip() throws Exception {
    String name = modelWithVersions(3);
    QualityGate gate = new QualityGate(5.0, 500);
    TrafficSplit set = registry.setTraffic(name, Map.of(1, 90, 2, 10), Map.of(3, 20), gate, "alice");

    assertThat(set.model()).isEqualTo(name);
    assertThat(set.primaries()).containsExactly(new Arm(1, 90), new Arm(2, 10));
    assertThat(set.shadows()).containsExactly(new Arm(3, 20));
    assertThat(set.gate()).isEqualTo(gate);
    assertThat(set.updatedAt()).isNotNull();
    assertThat(owners(set.buckets())).containsExactlyEntriesOf(new TreeMap<>(Map.of(1, 9000, 2, 1000)));

    TrafficSplit read = registry.traffic(name).orElseThrow();
    assertSameSplit(read, set);
    assertThat(read.updatedAt()).isEqualTo(set.updatedAt());
    assertThat(registry.traffic(modelWithVersions(1))).isEmpty();

    RegistryEvent event = registry.events(Optional.of(name), 1).get(0);
    assertThat(event.action()).isEqualTo("traffic.set");
    assertThat(event.actor()).isEqualTo("alice");
    JsonNode details = JSON.readTree(event.detailsJson());
    assertThat(details.at("/previous/split").isNull()).isTrue();
    assertThat(details.at("/next/split/primaries")).isEqualTo(JSON.readTree("{\"1\": 90, \"2\": 10}"));
    assertThat(details.at("/next/split/shadows")).isEqualTo(JSON.readTree("{\"3\": 20}"));
    assertThat(details.at("/next/split/buckets")).isEqualTo(JSON.readTree("[[1, 9000], [2, 1000]]"));
    assertThat(details.at("/next/split/salt").asLong()).isEqualTo(set.salt());
    assertThat(details.at("/next/split/gate/min_requests").asInt()).isEqualTo(500);

    // Setting the same split again changes nothing and records nothing.
    assertSameSplit(registry.setTraffic(name, Map.of(1, 90, 2, 10), Map.of(3, 20), gate, "bob"), set);
    assertThat(registry.events(Optional.of(name), 1).get(0).id()).isEqualTo(event.id());
  }

  @Test
  void refusedSplitsChangeNothing() {
    String name = modelWithVersions(4);
    registry.failVersion(name, 3, "warm-up failed", "server");
    registry.archiveVersion(name, 4, "alice");
    TrafficSplit before = registry.setTraffic(name, Map.of(1, 70, 2, 30), Map.of(), null, "alice");
    long lastEvent = registry.events(Optional.of(name), 1).get(0).id();

    List<ThrowingCallable> invalid = List.of(
        () -> registry.setTraffic(name, Map.of(1, 70, 2, 20), Map.of(), null, "alice"),
        () -> registry.setTraffic(name, Map.of(1, 101, 2, -1), Map.of(), null, "alice"),
        () -> registry.setTraffic(name, Map.of(), Map.of(), null, "alice"),
        () -> registry.setTraffic(name, Map.of(1, 100), Map.of(2, 0), null, "alice"),
        () -> registry.setTraffic(name, Map.of(1, 100), Map.of(2, 101), null, "alice"),
        () -> registry.setTraffic(name, Map.of(1, 50, 2, 50), Map.of(2, 10), null, "alice"),
        () -> registry.setTraffic(name, Map.of(0, 100), Map.of(), null, "alice"),
        () -> registry.setTraffic(name, Map.of(1, 100), Map.of(), null, " "),
        () -> registry.setTraffic("No-Such", Map.of(1, 100), Map.of(), null, "alice"));
    for (ThrowingCallable call : invalid) {
      assertThatThrownBy(call).isInstanceOf(InvalidRegistryRequestException.class);
    }
    assertThatThrownBy(() -> registry.setTraffic(name, Map.of(1, 50, 2, 50), Map.of(1, 10), null, "alice"))
        .hasMessageContaining("both primary and shadow");
    assertThatThrownBy(() -> registry.setTraffic(name, Map.of(1, 50, 9, 50), Map.of(), null, "alice"))
        .isInstanceOf(RegistryNotFoundException.class).hasMessageContaining("version 9");
    assertThatThrownBy(() -> registry.setTraffic(name, Map.of(1, 50, 3, 50), Map.of(4, 10), null, "alice"))
        .isInstanceOf(VersionStateException.class)
        .hasMessageContaining("3 (FAILED), 4 (ARCHIVED)");
    assertThatThrownBy(() -> registry.setTraffic("no-such-model", Map.of(1, 100), Map.of(), null, "alice"))
        .isInstanceOf(RegistryNotFoundException.class);

    assertSameSplit(registry.traffic(name).orElseThrow(), before);
    assertThat(registry.traffic(name).orElseThrow().updatedAt()).isEqualTo(before.updatedAt());
    assertThat(registry.events(Optional.of(name), 1).get(0).id()).isEqualTo(lastEvent);
  }

  @Test
  void aWeightChangeMovesOnlyTheBucketsItMustAndKeepsTheSalt() {
    String name = modelWithVersions(2);
    TrafficSplit first = registry.setTraffic(name, Map.of(1, 90, 2, 10), Map.of(), null, "alice");
    TrafficSplit second = registry.setTraffic(name, Map.of(1, 80, 2, 20), Map.of(), null, "alice");

    assertThat(second.salt()).isEqualTo(first.salt());
    assertThat(BucketAssignment.moved(first.buckets(), second.buckets())).isEqualTo(1000);
    for (int b = 0; b < TrafficSplit.BUCKETS; b++) {
      if (first.buckets()[b] != second.buckets()[b]) {
        assertThat(first.buckets()[b]).isEqualTo(1);
        assertThat(second.buckets()[b]).isEqualTo(2);
      }
    }
    assertThat(registry.traffic(name).orElseThrow().buckets()).isEqualTo(second.buckets());
  }

  @Test
  void clearRemovesTheSplitAndRecordsIt() throws Exception {
    String name = modelWithVersions(2);
    TrafficSplit set = registry.setTraffic(name, Map.of(1, 50, 2, 50), Map.of(), null, "alice");
    registry.clearTraffic(name, "bob");

    assertThat(registry.traffic(name)).isEmpty();
    RegistryEvent event = registry.events(Optional.of(name), 1).get(0);
    assertThat(event.action()).isEqualTo("traffic.clear");
    assertThat(JSON.readTree(event.detailsJson()).at("/previous/split/salt").asLong()).isEqualTo(set.salt());
    registry.clearTraffic(name, "bob"); // nothing left to clear: nothing recorded
    assertThat(registry.events(Optional.of(name), 1).get(0).id()).isEqualTo(event.id());

    assertSameSplit(registry.rollback(name, "carol").orElseThrow(), set);
  }

  // ---- promote

  @Test
  void promoteMovesAliasAndSplitTogetherAndRecordsThePreviousRouting() throws Exception {
    String name = modelWithVersions(4);
    TrafficSplit before = registry.setTraffic(name, Map.of(1, 90, 2, 10), Map.of(3, 5, 4, 20), null, "alice");
    registry.setAlias(name, "production", 1, "alice");

    TrafficSplit promoted = registry.promote(name, 2, "production", "bob");

    assertThat(promoted.primaries()).containsExactly(new Arm(2, 100));
    assertThat(promoted.shadows()).containsExactly(new Arm(3, 5), new Arm(4, 20));
    assertThat(promoted.salt()).isEqualTo(before.salt());
    assertThat(owners(promoted.buckets())).containsExactlyEntriesOf(new TreeMap<>(Map.of(2, TrafficSplit.BUCKETS)));
    assertThat(registry.resolveAlias(name, "production")).isEqualTo(2);

    RegistryEvent event = registry.events(Optional.of(name), 1).get(0);
    assertThat(event.action()).isEqualTo("promote");
    assertThat(event.version()).isEqualTo(2);
    assertThat(event.actor()).isEqualTo("bob");
    JsonNode details = JSON.readTree(event.detailsJson());
    assertThat(details.at("/previous/split/primaries")).isEqualTo(JSON.readTree("{\"1\": 90, \"2\": 10}"));
    assertThat(details.at("/previous/aliases")).isEqualTo(JSON.readTree("{\"production\": 1}"));
    assertThat(details.at("/next/aliases")).isEqualTo(JSON.readTree("{\"production\": 2}"));

    // A shadow that is promoted stops being a shadow.
    TrafficSplit shadowPromoted = registry.promote(name, 4, null, "bob");
    assertThat(shadowPromoted.primaries()).containsExactly(new Arm(4, 100));
    assertThat(shadowPromoted.shadows()).containsExactly(new Arm(3, 5));
    assertThat(registry.resolveAlias(name, "production")).isEqualTo(2);
  }

  @Test
  void promoteWithoutASplitCreatesOne() {
    String name = modelWithVersions(2);
    TrafficSplit promoted = registry.promote(name, 2, "staging", "alice");

    assertThat(promoted.primaries()).containsExactly(new Arm(2, 100));
    assertThat(promoted.shadows()).isEmpty();
    assertThat(owners(promoted.buckets())).containsExactlyEntriesOf(new TreeMap<>(Map.of(2, TrafficSplit.BUCKETS)));
    assertThat(registry.resolveAlias(name, "staging")).isEqualTo(2);
    long events = registry.events(Optional.of(name), 100).size();
    registry.promote(name, 2, "staging", "alice"); // already so: nothing recorded
    assertThat(registry.events(Optional.of(name), 100)).hasSize((int) events);
  }

  @Test
  void refusedPromoteChangesNeitherAliasNorSplit() {
    String name = modelWithVersions(2);
    TrafficSplit before = registry.setTraffic(name, Map.of(1, 100), Map.of(), null, "alice");
    registry.setAlias(name, "production", 1, "alice");
    registry.failVersion(name, 2, "bad weights", "server");
    long lastEvent = registry.events(Optional.of(name), 1).get(0).id();

    assertThatThrownBy(() -> registry.promote(name, 2, "production", "bob"))
        .isInstanceOf(VersionStateException.class).hasMessageContaining("2 (FAILED)");
    assertThatThrownBy(() -> registry.promote(name, 1, "latest", "bob"))
        .isInstanceOf(InvalidRegistryRequestException.class).hasMessageContaining("reserved");
    assertThatThrownBy(() -> registry.promote(name, 1, "Prod", "bob"))
        .isInstanceOf(InvalidRegistryRequestException.class);
    assertThatThrownBy(() -> registry.promote(name, 7, "production", "bob"))
        .isInstanceOf(RegistryNotFoundException.class);

    assertSameSplit(registry.traffic(name).orElseThrow(), before);
    assertThat(registry.resolveAlias(name, "production")).isEqualTo(1);
    assertThat(registry.events(Optional.of(name), 1).get(0).id()).isEqualTo(lastEvent);
  }

  // ---- rollback

  @Test
  void rollbackRestoresSplitAndAliasAndASecondRollbackUndoesTheFirst() throws Exception {
    String name = modelWithVersions(3);
    TrafficSplit canary = registry.setTraffic(name, Map.of(1, 90, 2, 10), Map.of(3, 20), null, "alice");
    registry.setAlias(name, "production", 1, "alice");
    TrafficSplit promoted = registry.promote(name, 2, "production", "bob");
    long promoteEvent = registry.events(Optional.of(name), 1).get(0).id();

    TrafficSplit restored = registry.rollback(name, "carol").orElseThrow();
    assertSameSplit(restored, canary);
    assertThat(registry.resolveAlias(name, "production")).isEqualTo(1);
    RegistryEvent event = registry.events(Optional.of(name), 1).get(0);
    assertThat(event.action()).isEqualTo("rollback");
    assertThat(event.actor()).isEqualTo("carol");
    JsonNode details = JSON.readTree(event.detailsJson());
    assertThat(details.get("restored_from_event").asLong()).isEqualTo(promoteEvent);
    assertThat(details.at("/previous/split/primaries")).isEqualTo(JSON.readTree("{\"2\": 100}"));
    assertThat(details.at("/previous/aliases/production").asInt()).isEqualTo(2);

    assertSameSplit(registry.rollback(name, "carol").orElseThrow(), promoted);
    assertThat(registry.resolveAlias(name, "production")).isEqualTo(2);
    assertSameSplit(registry.rollback(name, "carol").orElseThrow(), canary);
    assertThat(registry.resolveAlias(name, "production")).isEqualTo(1);
  }

  @Test
  void rollingBackAPromoteThatCreatedAnAliasAndASplitRemovesBoth() {
    String name = modelWithVersions(1);
    registry.promote(name, 1, "production", "alice");

    assertThat(registry.rollback(name, "bob")).isEmpty();
    assertThat(registry.traffic(name)).isEmpty();
    assertThat(registry.listAliases(name)).isEmpty();
  }

  @Test
  void rollbackWithNothingToRollBackIsRefused() {
    String name = modelWithVersions(2);
    registry.setAlias(name, "production", 1, "alice"); // not a routing change of the split
    assertThatThrownBy(() -> registry.rollback(name, "bob"))
        .isInstanceOf(VersionStateException.class).hasMessageContaining("nothing to roll back");
    assertThat(registry.events(Optional.of(name), 1).get(0).action()).isEqualTo("alias.set");
  }

  @Test
  void rollbackToAVersionNoLongerReadyIsRefusedAndChangesNothing() {
    String name = modelWithVersions(2);
    registry.setTraffic(name, Map.of(1, 50, 2, 50), Map.of(), null, "alice");
    TrafficSplit promoted = registry.promote(name, 2, null, "alice");
    registry.failVersion(name, 1, "disk gone", "server");
    long lastEvent = registry.events(Optional.of(name), 1).get(0).id();

    assertThatThrownBy(() -> registry.rollback(name, "bob"))
        .isInstanceOf(VersionStateException.class).hasMessageContaining("1 (FAILED)");
    assertSameSplit(registry.traffic(name).orElseThrow(), promoted);
    assertThat(registry.events(Optional.of(name), 1).get(0).id()).isEqualTo(lastEvent);
  }

  // ---- quality gate

  @Test
  void trippingTheGateGivesTheCandidatesShareToTheHeaviestOtherPrimaryOnce() throws Exception {
    String name = modelWithVersions(3);
    TrafficSplit before = registry.setTraffic(name, Map.of(1, 60, 2, 30, 3, 10), Map.of(), new QualityGate(10, 100),
        "alice");

    TrafficSplit tripped = registry.tripQualityGate(name, 3, "error +42% over 100 requests", "server-a");
    assertThat(tripped.primaries()).containsExactly(new Arm(1, 70), new Arm(2, 30), new Arm(3, 0));
    assertThat(tripped.salt()).isEqualTo(before.salt());
    assertThat(tripped.gate()).isEqualTo(before.gate());
    assertThat(BucketAssignment.moved(before.buckets(), tripped.buckets())).isEqualTo(1000);
    assertThat(owners(tripped.buckets())).containsExactlyEntriesOf(new TreeMap<>(Map.of(1, 7000, 2, 3000)));

    RegistryEvent event = registry.events(Optional.of(name), 1).get(0);
    assertThat(event.action()).isEqualTo("traffic.gate");
    assertThat(event.version()).isEqualTo(3);
    JsonNode details = JSON.readTree(event.detailsJson());
    assertThat(details.get("reason").asText()).isEqualTo("error +42% over 100 requests");
    assertThat(details.get("candidate").asInt()).isEqualTo(3);
    assertThat(details.at("/previous/split/primaries/3").asInt()).isEqualTo(10);

    // Another server reaching the same verdict changes nothing.
    assertSameSplit(registry.tripQualityGate(name, 3, "error +40%", "server-b"), tripped);
    assertThat(registry.events(Optional.of(name), 1).get(0).id()).isEqualTo(event.id());
    assertThatThrownBy(() -> registry.tripQualityGate(modelWithVersions(1), 1, "r", "server-a"))
        .isInstanceOf(RegistryNotFoundException.class).hasMessageContaining("no traffic split");

    assertSameSplit(registry.rollback(name, "alice").orElseThrow(), before);
  }

  // ---- lifecycle

  @Test
  void archiveIsRefusedWhileAVersionIsInTheSplit() throws Exception {
    String name = modelWithVersions(3);
    registry.setTraffic(name, Map.of(1, 80, 2, 20), Map.of(3, 10), null, "alice");

    assertThatThrownBy(() -> registry.archiveVersion(name, 2, "alice"))
        .isInstanceOf(VersionStateException.class).hasMessageContaining("20% of the traffic split");
    assertThatThrownBy(() -> registry.archiveVersion(name, 3, "alice"))
        .isInstanceOf(VersionStateException.class).hasMessageContaining("shadow arm");
    assertThat(registry.getVersion(name, 2).state()).isEqualTo(VersionState.READY);

    // A tripped candidate (weight 0) may go; its arm goes with it.
    registry.tripQualityGate(name, 2, "worse", "server");
    assertThat(registry.archiveVersion(name, 2, "alice").state()).isEqualTo(VersionState.ARCHIVED);
    assertThat(registry.traffic(name).orElseThrow().primaries()).containsExactly(new Arm(1, 100));
    assertThat(JSON.readTree(registry.events(Optional.of(name), 1).get(0).detailsJson())
        .get("dropped_from_traffic_split").asBoolean()).isTrue();
  }

  @Test
  void failingAVersionLeavesItsArm() {
    String name = modelWithVersions(2);
    registry.setTraffic(name, Map.of(1, 80, 2, 20), Map.of(), null, "alice");
    registry.failVersion(name, 2, "load failed", "server");
    assertThat(registry.traffic(name).orElseThrow().primaries()).containsExactly(new Arm(1, 80), new Arm(2, 20));
  }

  // ---- change feed and concurrency

  @Test
  void everyRoutingChangeIsAnnounced() throws Exception {
    String name = modelWithVersions(2);
    BlockingQueue<RegistryChange> changes = new LinkedBlockingQueue<>();
    try (AutoCloseable subscription = registry.subscribe(change -> {
      if (name.equals(change.model())) {
        changes.add(change);
      }
    })) {
      List<Runnable> routingChanges = List.of(
          () -> registry.setTraffic(name, Map.of(1, 90, 2, 10), Map.of(), null, "alice"),
          () -> registry.tripQualityGate(name, 2, "worse", "server"),
          () -> registry.promote(name, 2, "production", "alice"),
          () -> registry.rollback(name, "alice"),
          () -> registry.clearTraffic(name, "alice"));
      for (Runnable change : routingChanges) {
        change.run();
        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(new RegistryChange(name));
      }
    }
  }

  @Test
  void concurrentSplitChangesSerializeAndEachMovesTheLeastPossible() throws Exception {
    String name = modelWithVersions(3);
    int writers = 8;
    int changesEach = 5;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        Random random = new Random(w);
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < changesEach; i++) {
            int a = random.nextInt(101);
            int b = random.nextInt(101 - a);
            registry.setTraffic(name, Map.of(1, a, 2, b, 3, 100 - a - b), Map.of(), null, "writer");
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    // Each recorded change starts from exactly where the one before it left off.
    List<RegistryEvent> sets = new ArrayList<>(registry.events(Optional.of(name), 1000).stream()
        .filter(e -> e.action().equals("traffic.set")).toList());
    Collections.reverse(sets);
    assertThat(sets).isNotEmpty();
    JsonNode previous = JSON.readTree("null");
    for (RegistryEvent event : sets) {
      JsonNode details = JSON.readTree(event.detailsJson());
      assertThat(details.at("/previous/split")).as("event %d", event.id()).isEqualTo(previous);
      RoutingState before = RoutingState.fromJson(name, details.get("previous"));
      RoutingState after = RoutingState.fromJson(name, details.get("next"));
      if (before.split().isPresent()) {
        Map<Integer, Integer> old = owners(before.split().get().buckets());
        Map<Integer, Integer> now = owners(after.split().get().buckets());
        int minimum = old.entrySet().stream()
            .mapToInt(e -> Math.max(0, e.getValue() - now.getOrDefault(e.getKey(), 0))).sum();
        assertThat(BucketAssignment.moved(before.split().get().buckets(), after.split().get().buckets()))
            .isEqualTo(minimum);
      }
      previous = details.at("/next/split");
    }
    TrafficSplit last = registry.traffic(name).orElseThrow();
    assertThat(RoutingState.of(Optional.of(last)).toJson().get("split")).isEqualTo(previous);
    Map<Integer, Integer> expected = new TreeMap<>();
    last.primaries().stream().filter(arm -> arm.weight() > 0)
        .forEach(arm -> expected.put(arm.version(), arm.weight() * 100));
    assertThat(owners(last.buckets())).isEqualTo(expected);
  }

  // ---- helpers

  private static void assertSameSplit(TrafficSplit actual, TrafficSplit expected) {
    assertThat(actual.model()).isEqualTo(expected.model());
    assertThat(actual.primaries()).isEqualTo(expected.primaries());
    assertThat(actual.shadows()).isEqualTo(expected.shadows());
    assertThat(actual.salt()).isEqualTo(expected.salt());
    assertThat(actual.gate()).isEqualTo(expected.gate());
    assertThat(actual.buckets()).isEqualTo(expected.buckets());
  }

  /** A new model with versions 1..count, all READY. */
  private static String modelWithVersions(int count) {
    String name = "routed-" + names.incrementAndGet();
    registry.createModel(name, "dense", "", "alice");
    for (int v = 1; v <= count; v++) {
      byte[] weights = (name + " weights " + v).getBytes(StandardCharsets.UTF_8);
      registry.createVersion(new NewVersion(name, "{}", null, null, null, weights, null), "alice");
    }
    return name;
  }
}
