package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.registry.ModelNames;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.grpc.RegistryService;
import dev.aeserve.server.runtime.RequestLimits;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * docs/api.md's table of limits says what the code does: each row's number equals the constant
 * (or default) that enforces it, every limit the code has a row for is in the table, and a row
 * with a number cannot be added without saying here where its number comes from.
 */
class LimitsTableTest {

  /** Row name (first column) -> where the code keeps that limit. Re-point these when limits move. */
  private static final Map<String, LongSupplier> SOURCES = new LinkedHashMap<>();

  static {
    ServerConfig defaults = ServerConfig.defaults();
    SOURCES.put("rows per request", defaults::maxRowsPerRequest);
    SOURCES.put("samples per Sample call", defaults::maxRowsPerRequest);
    SOURCES.put("interpolation steps per Sample call", () -> RequestLimits.MAX_STEPS);
    SOURCES.put("users per Recommend call", () -> RequestLimits.MAX_USERS);
    SOURCES.put("k per Recommend call", () -> RequestLimits.MAX_K);
    SOURCES.put("unknown item ids reported per user", () -> RequestLimits.MAX_REPORTED_UNKNOWN_ITEMS);
    SOURCES.put("Sample `temperature`", () -> (long) RequestLimits.MAX_TEMPERATURE);
    SOURCES.put("magnitude of a latent value", () -> (long) RequestLimits.MAX_ABS_LATENT);
    SOURCES.put("magnitude of an input value", () -> (long) RequestLimits.MAX_ABS_INPUT);
    SOURCES.put("a caller's value quoted in an error message", () -> RequestLimits.MAX_ECHO);
    SOURCES.put("inbound message", defaults::maxMessageBytes);
    SOURCES.put("artifact per upload", defaults::maxArtifactBytes);
    SOURCES.put("rows in an uploaded golden batch", () -> dev.aeserve.autoencoders.GoldenBatch.MAX_ROWS);
    SOURCES.put("values in an uploaded golden batch", () -> dev.aeserve.autoencoders.GoldenBatch.MAX_VALUES);
    SOURCES.put("rows waiting in one batch queue", () -> BatchPolicy.defaults().maxQueueRows());
    SOURCES.put("engine time for the rows queued on a version", () -> BatchPolicy.defaults().maxQueueWait().toMillis());
    SOURCES.put("input width or latent size in a spec", () -> constant(AutoencoderSpec.class, "MAX_WIDTH"));
    SOURCES.put("model and alias names", LimitsTableTest::longestModelName);
    SOURCES.put("model description", () -> constant(PostgresModelRegistry.class, "MAX_TEXT"));
    SOURCES.put("arms in a traffic split", () -> constant(classNamed("dev.aeserve.registry.RoutingChanges"), "MAX_ARMS"));
    SOURCES.put("events per ListEvents call", () -> constant(RegistryService.class, "MAX_EVENTS"));
    SOURCES.put("`x-aeserve-actor` header", () -> constant(classNamed("dev.aeserve.server.grpc.Actor"), "MAX_LENGTH"));
  }

  /**
   * Rows that say "none": what has no limit of its own, because the inbound message bounds it and
   * its cost is linear in it (RecommendCostTest).
   */
  private static final Set<String> NOT_YET_LIMITED = Set.of(
      "interactions per user, candidate items, excluded items (the inbound message bounds them; their cost is linear)");

  private record Row(String name, String value) {}

  private static List<Row> table() throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("docs/api.md"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("docs/api.md above " + Path.of("").toAbsolutePath()).isNotNull();
    List<String> lines = Files.readAllLines(dir.resolve("docs/api.md"));
    int start = lines.indexOf("## Limits");
    assertThat(start).as("docs/api.md has a '## Limits' section").isNotNegative();
    int header = start;
    while (!lines.get(header).startsWith("| limit |")) {
      header++;
    }
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String[] cells = lines.get(i).split("\\|");
      rows.add(new Row(cells[1].strip(), cells[2].strip()));
    }
    return rows;
  }

  private static LongSupplier sourceOf(String rowName) {
    return SOURCES.entrySet().stream().filter(e -> rowName.startsWith(e.getKey())).map(Map.Entry::getValue)
        .findFirst().orElse(null);
  }

  @Test
  void everyNumberInTheLimitsTableIsTheCodesNumber() throws IOException {
    List<Row> rows = table();
    assertThat(rows).hasSizeGreaterThanOrEqualTo(SOURCES.size());
    for (Row row : rows) {
      if (row.value().equals("none")) {
        assertThat(NOT_YET_LIMITED).as("row '%s' says none", row.name()).contains(row.name());
        continue;
      }
      LongSupplier source = sourceOf(row.name());
      assertThat(source).as("row '%s' has a number; say in LimitsTableTest.SOURCES where the code keeps it",
          row.name()).isNotNull();
      assertThat(Long.parseLong(row.value().replace(",", ""))).as("docs/api.md limit '%s'", row.name())
          .isEqualTo(source.getAsLong());
    }
  }

  @Test
  void everyKnownLimitHasARow() throws IOException {
    List<String> names = table().stream().map(Row::name).toList();
    for (String key : SOURCES.keySet()) {
      assertThat(names).as("docs/api.md has a row for '%s'", key).anyMatch(n -> n.startsWith(key));
    }
  }

  private static Class<?> classNamed(String name) {
    try {
      return Class.forName(name);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(name + " is gone; re-point LimitsTableTest.SOURCES", e);
    }
  }

  /** A private or package-private static final number, read by reflection so that the class need not widen it. */
  private static long constant(Class<?> owner, String field) {
    try {
      Field f = owner.getDeclaredField(field);
      f.setAccessible(true);
      return ((Number) f.get(null)).longValue();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(owner.getName() + "." + field + " is gone; re-point LimitsTableTest.SOURCES", e);
    }
  }

  /** The names rule has no constant of its own, so ask it: the longest name it accepts. */
  private static long longestModelName() {
    int longest = 0;
    for (int n = 1; n <= 256; n++) {
      try {
        ModelNames.requireModelName("a".repeat(n));
        ModelNames.requireAliasName("a".repeat(n));
        longest = n;
      } catch (RuntimeException refused) {
        break;
      }
    }
    return longest;
  }
}
