package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.registry.Database;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.RegistryNotFoundException;
import dev.aeserve.registry.RegistryStorageException;
import dev.aeserve.registry.TrafficSplit;
import dev.aeserve.registry.VersionStateException;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.SwitchableDataSource.Mode;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.routing.ModelSelector;
import dev.aeserve.server.routing.ResolvedVersion;
import dev.aeserve.server.routing.Route;
import dev.aeserve.server.routing.StickyRouter;
import dev.aeserve.server.routing.VersionResolver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which version a call gets, on the real registry (embedded Postgres and its change feed), with
 * the database taken down in front of the registry and time on a clock the test moves. The
 * resolver's periodic reconcile is an hour away on that clock, so what it serves changes only
 * through what the test does: a change notification, a failed read, an explicit reconcile.
 */
class VersionResolverTest {

  private static final AtomicInteger names = new AtomicInteger();
  private static Database database;
  private static SwitchableDataSource pool;
  private static PostgresModelRegistry registry;

  private final AtomicLong now = new AtomicLong(5_000_000_000L);
  private final Ticker clock = now::get;
  private VersionResolver resolver;

  @BeforeAll
  static void openRegistry() {
    database = TestPostgres.openFreshDatabase();
    pool = new SwitchableDataSource(database.dataSource());
    String url = database.jdbcUrl();
    registry = new PostgresModelRegistry(pool, new org.postgresql.ds.PGSimpleDataSource() {
      {
        setURL(url);
      }
    });
  }

  @AfterAll
  static void closeRegistry() {
    registry.close();
    database.close();
  }

  @BeforeEach
  void startResolver() {
    pool.set(Mode.UP);
    resolver = new VersionResolver(registry, Duration.ofHours(1), clock);
  }

  @AfterEach
  void stopResolver() {
    pool.set(Mode.UP);
    resolver.close();
  }

  private static String modelWithVersions(int count) {
    String name = "resolved-" + names.incrementAndGet();
    registry.createModel(name, "ae", "", "test");
    for (int v = 1; v <= count; v++) {
      byte[] weights = (name + " weights " + v).getBytes(StandardCharsets.UTF_8);
      registry.createVersion(new NewVersion(name, "{}", null, null, null, weights, null), "test");
    }
    return name;
  }

  /**
   * Returns once the resolver has heard of every change made so far: the feed delivers
   * notifications in commit order and calls its listeners in order on one thread, and the
   * resolver subscribed before this listener, so hearing a fresh barrier model means the resolver
   * has been told of everything before it.
   */
  private static void settle() throws Exception {
    String barrier = "barrier-" + names.incrementAndGet();
    CountDownLatch heard = new CountDownLatch(1);
    try (AutoCloseable sub = registry.subscribe(c -> {
      if (barrier.equals(c.model())) {
        heard.countDown();
      }
    })) {
      registry.createModel(barrier, "ae", "", "test");
      assertThat(heard.await(60, TimeUnit.SECONDS)).as("the change feed delivered " + barrier).isTrue();
    }
  }

  private static void changeAndAwaitNotice(String model, Runnable change) throws Exception {
    change.run();
    settle();
  }

  private static ModelSelector alias(String model, String alias) {
    return new ModelSelector(model, null, alias, "");
  }

  @Test
  void aVersionAnAliasAndTheNewestReadyVersionEachRouteTheirOwnWay() {
    String m = modelWithVersions(3);
    registry.setAlias(m, "production", 1, "test");

    ResolvedVersion named = resolver.resolve(ModelSelector.version(m, 2));
    assertThat(named.version().version()).isEqualTo(2);
    assertThat(named.version().model()).isEqualTo(m);
    assertThat(named.route()).isEqualTo(Route.VERSION);
    assertThat(named.alias()).isEmpty();
    assertThat(named.arm()).isEmpty();
    assertThat(named.split()).isNull();
    assertThat(named.shadows()).isEmpty();

    ResolvedVersion aliased = resolver.resolve(alias(m, "production"));
    assertThat(aliased.version().version()).isEqualTo(1);
    assertThat(aliased.route()).isEqualTo(Route.ALIAS);
    assertThat(aliased.alias()).isEqualTo("production");

    ResolvedVersion latest = resolver.resolve(ModelSelector.latest(m));
    assertThat(latest.version().version()).isEqualTo(3);
    assertThat(latest.route()).isEqualTo(Route.LATEST);
    assertThat(latest.split()).isNull();
  }

  @Test
  void aSplitRoutesEachKeyToTheOwnerOfItsBucketAndCarriesItsShadows() {
    String m = modelWithVersions(3);
    TrafficSplit split = registry.setTraffic(m, Map.of(1, 50, 2, 50), Map.of(3, 10), null, "test");
    Set<Integer> served = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String key = "user-" + i;
      ResolvedVersion r = resolver.resolve(new ModelSelector(m, null, null, key));
      int owner = split.buckets()[StickyRouter.bucket(split.salt(), key)];
      assertThat(r.version().version()).as(key).isEqualTo(owner);
      assertThat(r.route()).isEqualTo(Route.SPLIT);
      assertThat(r.arm()).isEqualTo("primary:" + owner);
      assertThat(r.split().salt()).isEqualTo(split.salt());
      assertThat(r.shadows()).containsExactly(new TrafficSplit.Arm(3, 10));
      served.add(owner);
    }
    assertThat(served).containsExactlyInAnyOrder(1, 2);
    // A version or an alias named by the caller bypasses the split.
    assertThat(resolver.resolve(ModelSelector.version(m, 3)).route()).isEqualTo(Route.VERSION);
  }

  @Test
  void aVersionOutsideOneToIntMaxOrAnEmptyNameIsInvalid() {
    String m = modelWithVersions(1);
    for (long bad : new long[] {0, -1, Integer.MAX_VALUE + 1L}) {
      assertThatThrownBy(() -> resolver.resolve(new ModelSelector(m, bad, null, "")))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessage("model.version must be in [1, 2147483647], got " + bad);
    }
    assertThat(resolver.resolve(new ModelSelector(m, 1L, null, "")).version().version()).isEqualTo(1);
    assertThatThrownBy(() -> resolver.resolve(new ModelSelector(m, (long) Integer.MAX_VALUE, null, "")))
        .isInstanceOf(RegistryNotFoundException.class);
    assertThatThrownBy(() -> resolver.resolve(ModelSelector.latest("")))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("model.name is empty; name the model to call");
  }

  @Test
  void onlyReadyVersionsServe() throws Exception {
    String m = modelWithVersions(2);
    settle();
    assertThat(resolver.resolve(ModelSelector.version(m, 2)).version().version()).isEqualTo(2);
    changeAndAwaitNotice(m, () -> registry.archiveVersion(m, 2, "test"));
    assertThatThrownBy(() -> resolver.resolve(ModelSelector.version(m, 2)))
        .isInstanceOf(VersionStateException.class)
        .hasMessage("version 2 of model '" + m + "' is ARCHIVED; only READY versions serve calls");
    assertThat(resolver.resolve(ModelSelector.latest(m)).version().version()).isEqualTo(1);
  }

  @Test
  void aNotificationMakesTheNextCallReadAgainAndAFreshAnswerNeedsNoRead() throws Exception {
    String m = modelWithVersions(2);
    registry.setAlias(m, "production", 1, "test");
    settle();
    assertThat(resolver.resolve(alias(m, "production")).version().version()).isEqualTo(1);

    // Nothing changed: the kept answer serves without a read, so a database that is down goes
    // unnoticed by the call.
    pool.set(Mode.DOWN);
    assertThat(resolver.resolve(alias(m, "production")).version().version()).isEqualTo(1);
    assertThat(resolver.registryUnreachable()).isFalse();
    // A reconcile does read, and finds the registry unreachable.
    assertThat(resolver.reconcile()).isFalse();
    assertThat(resolver.registryUnreachable()).isTrue();
    pool.set(Mode.UP);
    assertThat(resolver.reconcile()).isTrue();

    changeAndAwaitNotice(m, () -> registry.setAlias(m, "production", 2, "test"));
    assertThat(resolver.resolve(alias(m, "production")).version().version()).isEqualTo(2);
  }

  @Test
  void whileTheDatabaseIsDownStaleAnswersServeTheStateAgesAndAReconcileConfirmsItAgain() throws Exception {
    String m = modelWithVersions(2);
    registry.setAlias(m, "production", 1, "test");
    settle();
    assertThat(resolver.resolve(alias(m, "production")).version().version()).isEqualTo(1);
    assertThat(resolver.stateAgeSeconds()).isZero();

    changeAndAwaitNotice(m, () -> registry.setAlias(m, "production", 2, "test"));
    pool.set(Mode.DOWN);
    now.addAndGet(Duration.ofMillis(2500).toNanos());
    // Stale, and the re-read fails: the last answer still serves, and the state is known to be old.
    assertThat(resolver.resolve(alias(m, "production")).version().version()).isEqualTo(1);
    assertThat(resolver.registryUnreachable()).isTrue();
    assertThat(resolver.stateAgeSeconds()).isEqualTo(2.5);
    // Once unreachable, a stale answer serves at once (no read to wait for) ...
    assertThat(resolver.resolve(alias(m, "production")).version().version()).isEqualTo(1);
    // ... but a model never read before has no answer to fall back on.
    assertThatThrownBy(() -> resolver.resolve(ModelSelector.latest("never-read")))
        .isInstanceOf(RegistryStorageException.class);
    assertThat(resolver.reconcile()).as("a reconcile against a database that is down").isFalse();
    assertThat(resolver.registryUnreachable()).isTrue();

    pool.set(Mode.UP);
    now.addAndGet(Duration.ofMillis(500).toNanos());
    assertThat(resolver.reconcile()).isTrue();
    assertThat(resolver.registryUnreachable()).isFalse();
    assertThat(resolver.stateAgeSeconds()).isZero();
    // The reconcile re-read the alias: its move is served now, with the database down again.
    pool.set(Mode.DOWN);
    assertThat(resolver.resolve(alias(m, "production")).version().version()).isEqualTo(2);
    assertThat(resolver.registryUnreachable()).isFalse();
  }

  @Test
  void anAnswerReadAfterTheModelsLastChangeIsFresh() throws Exception {
    String m = modelWithVersions(2);
    registry.setAlias(m, "production", 1, "test");
    settle();
    // Only this model's own change, heard after everything before it: the answer read next starts
    // at the very generation of that change, and is fresh.
    CountDownLatch heard = new CountDownLatch(1);
    try (AutoCloseable sub = registry.subscribe(c -> {
      if (m.equals(c.model())) {
        heard.countDown();
      }
    })) {
      registry.setAlias(m, "production", 2, "test");
      assertThat(heard.await(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(resolver.resolve(alias(m, "production")).version().version()).isEqualTo(2);
    pool.set(Mode.DOWN);
    assertThat(resolver.resolve(alias(m, "production")).version().version()).isEqualTo(2);
    assertThat(resolver.registryUnreachable()).as("a fresh answer needs no read").isFalse();
  }

  @Test
  void onceTheDatabaseIsBackTheBackgroundReconcileConfirmsTheStateWithoutAnyCall() throws Exception {
    String m = modelWithVersions(1);
    settle();
    assertThat(resolver.resolve(ModelSelector.latest(m)).version().version()).isEqualTo(1);
    pool.set(Mode.DOWN);
    assertThat(resolver.reconcile()).isFalse();
    assertThat(resolver.registryUnreachable()).isTrue();
    pool.set(Mode.UP);
    // The reconciler retries every second while the registry is unreachable, whatever the clock
    // says (the test's clock does not move here). This polls for that event; the bound is only a
    // guard against a hang.
    long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (resolver.registryUnreachable()) {
      assertThat(System.nanoTime()).as("the background reconcile confirmed the state").isLessThan(guard);
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    assertThat(resolver.stateAgeSeconds()).isZero();
  }

  @Test
  void aDeletedAliasStopsServingOnceTheReReadSaysNotFound() throws Exception {
    String m = modelWithVersions(1);
    registry.setAlias(m, "canary", 1, "test");
    settle();
    assertThat(resolver.resolve(alias(m, "canary")).version().version()).isEqualTo(1);
    changeAndAwaitNotice(m, () -> registry.deleteAlias(m, "canary", "test"));
    assertThatThrownBy(() -> resolver.resolve(alias(m, "canary"))).isInstanceOf(RegistryNotFoundException.class);
    // Forgotten, not kept: with the database down there is nothing stale to serve either.
    pool.set(Mode.DOWN);
    assertThatThrownBy(() -> resolver.resolve(alias(m, "canary"))).isInstanceOf(RegistryStorageException.class);
  }

  @Test
  void aSplitClearedAfterItWasReadGivesWayToTheNewestReadyVersion() throws Exception {
    String m = modelWithVersions(2);
    registry.setTraffic(m, Map.of(1, 100), Map.of(), null, "test");
    settle();
    assertThat(resolver.resolve(new ModelSelector(m, null, null, "k")).version().version()).isEqualTo(1);
    changeAndAwaitNotice(m, () -> registry.clearTraffic(m, "test"));
    ResolvedVersion r = resolver.resolve(new ModelSelector(m, null, null, "k"));
    assertThat(r.route()).isEqualTo(Route.LATEST);
    assertThat(r.version().version()).isEqualTo(2);
    assertThat(r.shadows()).isEqualTo(List.of());
  }
}
