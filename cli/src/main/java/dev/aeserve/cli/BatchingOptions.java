package dev.aeserve.cli;

import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The dynamic batcher's knobs, named as in Triton. */
final class BatchingOptions {

  @Option(names = "--max-batch-rows", defaultValue = "256",
      description = "A batch closes at this many rows (default: ${DEFAULT-VALUE}).")
  int maxBatchRows;

  @Option(names = "--max-queue-delay", defaultValue = "2ms",
      description = "A batch closes once its oldest request waited this long, e.g. 500us, 2ms (default: ${DEFAULT-VALUE}).")
  String maxQueueDelay;

  @Option(names = "--max-queue-rows", defaultValue = "8192",
      description = "More rows waiting than this and requests get RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
  int maxQueueRows;

  @Option(names = "--max-queue-wait", defaultValue = "20ms",
      description = "A request is refused with RESOURCE_EXHAUSTED when the engine time for the rows queued ahead and its"
          + " own, at the version's measured rate, would exceed this (default: ${DEFAULT-VALUE}).")
  String maxQueueWait;

  @Option(names = "--batch-policy", paramLabel = "MODEL[/RPC]:KEY=VALUE,...",
      description = "Per model or per model and RPC: max_batch_rows, max_queue_delay, max_queue_rows, "
          + "preferred=8|16, max_queue_wait. Repeatable. Example: fashion-ae/encode:max_batch_rows=64,max_queue_delay=1ms")
  List<String> overrides = List.of();

  BatchingConfig toConfig() {
    BatchPolicy defaults = new BatchPolicy(maxBatchRows, BatchingConfig.parseDuration(maxQueueDelay),
        Math.max(maxQueueRows, maxBatchRows), List.of(), BatchingConfig.parseDuration(maxQueueWait));
    BatchingConfig config = BatchingConfig.of(defaults);
    for (String o : overrides) {
      Map.Entry<String, BatchPolicy> e = BatchingConfig.parseOverride(o, defaults);
      config = config.withOverride(e.getKey(), e.getValue());
    }
    return config;
  }
}
