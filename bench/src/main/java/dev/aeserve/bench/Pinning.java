package dev.aeserve.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which core the server side (aeserve's server, the engine alone, TorchServe) and which the load
 * generator run on. On a small shared machine a figure is only a ratio of two measurements that
 * did not fight over cores when the server has one core to itself and the generator the other;
 * bench/run starts the generator's JVM under {@code taskset}, and the suite starts every
 * server-side process under {@code taskset} on the server's core.
 *
 * @param serverCpu the core of the server side, or -1 when nothing is pinned
 * @param generatorCpu the core bench/run pinned the generator to, or -1
 */
record Pinning(int serverCpu, int generatorCpu) {

  static final Pinning NONE = new Pinning(-1, -1);

  boolean pinned() {
    return serverCpu >= 0;
  }

  /** {@code command} prefixed with {@code taskset -c CPU} when pinned. */
  List<String> server(List<String> command) {
    List<String> c = new ArrayList<>();
    if (pinned()) {
      c.addAll(List.of(taskset(), "-c", Integer.toString(serverCpu)));
    }
    c.addAll(command);
    return c;
  }

  String describe() {
    return pinned()
        ? "server side pinned to core " + serverCpu + ", load generator to core " + generatorCpu + " (taskset)"
        : "nothing pinned: the server and the load generator share every core";
  }

  private static String taskset() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin")) {
      if (Files.isExecutable(Path.of(dir, "taskset"))) {
        return dir + "/taskset";
      }
    }
    return "taskset";
  }
}
