package dev.aeserve.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Encoding;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.batching.Job;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.metrics.ServingMetrics;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Loading and unloading a version many times gives its memory back, heap and native alike. */
class LoadUnloadTest {

  private static final Admission ADMISSION = new Admission(RequestLimits.defaults());

  @Test
  void fiftyLoadsAndUnloadsLeaveHeapAndRssFlat() throws Exception {
    TrainedModel m = new AutoencoderTrainer(new TrainingConfig(1, 64, 1e-3f, 0.1, 1, EngineKind.MXNET))
        .train(AutoencoderSpec.dense(784, List.of(512, 128), 32, "sigmoid", "bce"), SyntheticData.manifold(256, 784, 1));
    try (Database db = TestPostgres.openFreshDatabase(); PostgresModelRegistry registry = new PostgresModelRegistry(db);
        ServingMetrics metrics = new ServingMetrics();
        LoadedModels runtime = new LoadedModels(registry, EngineKind.MXNET, List.of(ComputeDevice.CPU),
            BatchingConfig.of(BatchPolicy.defaults()), metrics, Ticker.SYSTEM)) {
      registry.createModel("churn", "ae", "", "test");
      ModelVersion v = registry.createVersion(new NewVersion("churn", m.spec().toJson(), "{}", null, null, m.weights(),
          null), "test");
      long rssAfterWarmup = 0;
      long heapAfterWarmup = 0;
      long directAfterWarmup = 0;
      for (int i = 0; i < 70; i++) {
        int seed = i;
        Encoding e = runtime.serve(v, s -> s.submit(Lanes.ENCODE,
            ADMISSION.inputs(s.spec(), SyntheticData.manifold(64, 784, seed), List.of()), Job.NO_DEADLINE, () -> false))
            .get(30, TimeUnit.SECONDS);
        assertThat(e.mean().rows()).isEqualTo(64);
        runtime.unload("churn", 1);
        assertThat(runtime.loaded()).isEmpty();
        if (i == 19) {
          heapAfterWarmup = usedHeapAfterGc();
          directAfterWarmup = directBytes();
          rssAfterWarmup = nativeKib();
        }
      }
      long heapGrowthMib = (usedHeapAfterGc() - heapAfterWarmup) / (1 << 20);
      long directGrowthMib = (directBytes() - directAfterWarmup) / (1 << 20);
      long rssGrowthMib = (nativeKib() - rssAfterWarmup) / 1024;
      // One load of this model holds about 4 MiB of weights (on the engine, and again in DJL's
      // direct buffers while it decodes them); 50 leaked loads would be 200 MiB and more. A fresh
      // runner thread per load did leak like that (engines keep native workspaces per thread),
      // which is why runner threads are pooled.
      assertThat(heapGrowthMib).as("heap growth over 50 load/unload cycles, MiB").isLessThan(16);
      assertThat(directGrowthMib).as("direct-buffer growth over 50 cycles, MiB").isLessThan(8);
      assertThat(rssGrowthMib).as("RSS growth outside the Java heap over 50 load/unload cycles, MiB").isLessThan(64);
    }
  }

  @Test
  void unloadingAVersionTrimsTheAllocatorOnceItsEngineMemoryIsFreed() throws Exception {
    TrainedModel m = new AutoencoderTrainer(new TrainingConfig(1, 64, 1e-3f, 0.1, 1, EngineKind.MXNET))
        .train(AutoencoderSpec.dense(16, List.of(8), 4, "sigmoid", "mse"), SyntheticData.manifold(64, 16, 1));
    NativeHeapTrimmerTest.HandScheduler scheduler = new NativeHeapTrimmerTest.HandScheduler();
    java.util.concurrent.atomic.AtomicInteger trims = new java.util.concurrent.atomic.AtomicInteger();
    try (Database db = TestPostgres.openFreshDatabase(); PostgresModelRegistry registry = new PostgresModelRegistry(db);
        ServingMetrics metrics = new ServingMetrics();
        LoadedModels runtime = new LoadedModels(registry, EngineKind.MXNET, List.of(ComputeDevice.CPU),
            BatchingConfig.of(BatchPolicy.defaults()), 0, metrics, Ticker.SYSTEM,
            new NativeHeapTrimmer(trims::incrementAndGet, scheduler))) {
      registry.createModel("trimmed", "ae", "", "test");
      ModelVersion v = registry.createVersion(new NewVersion("trimmed", m.spec().toJson(), "{}", null, null, m.weights(),
          null), "test");
      runtime.serve(v, s -> s.spec());
      assertThat(scheduler.waiting).as("a load schedules no trim").isEmpty();
      runtime.unload("trimmed", 1);
      runtime.serve(v, s -> s.spec());
      runtime.unload("trimmed", 1);
      assertThat(scheduler.waiting).as("two unloads, one trim").hasSize(1);
      scheduler.runAll();
      assertThat(trims).hasValue(1);
    }
    assertThat(scheduler.closed).as("the runtime closes its trimmer").isTrue();
  }

  /**
   * Resident memory outside the Java heap: the heap's own resident pages grow and shrink with the
   * collector's sizing, which says nothing about a leak (its use is checked separately).
   */
  private static long nativeKib() throws Exception {
    return rssKib() - ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1024;
  }

  /** This JVM's resident memory, from the kernel's own account. */
  static long rssKib() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS");
  }

  /**
   * Direct ByteBuffers DJL decoded weights into: freed by the JVM's cleaner thread some time
   * after a collection finds them unreachable, so this collects and gives the cleaner a moment.
   */
  private static long directBytes() throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      System.gc();
      // The pause is the point: the cleaner thread frees buffers in its own time and offers no
      // event to wait for. A late cleaner can only make the growth look larger, never hide a leak.
      Thread.sleep(100);
    }
    return ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct")).mapToLong(java.lang.management.BufferPoolMXBean::getMemoryUsed).sum();
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
