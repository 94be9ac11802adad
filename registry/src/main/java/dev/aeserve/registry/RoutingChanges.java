package dev.aeserve.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The rules of routing changes: splits, promotion, rollback and the quality gate. Each method runs
 * inside the caller's transaction, after the caller has locked the model's row, and records what it
 * changed (with the routing it replaced, see {@link RoutingState}) through the {@link Recorder}.
 * Changes that would change nothing return the current split and record nothing.
 */
final class RoutingChanges {

  /** Appends the audit row and issues the change notification, inside the transaction. */
  @FunctionalInterface
  interface Recorder {
    void record(Connection c, String actor, String action, String model, Integer version, ObjectNode details)
        throws SQLException;
  }

  static final int MAX_ARMS = 100;

  /** A requested split's arms, checked and sorted by version. */
  record Arms(SortedMap<Integer, Integer> primaries, SortedMap<Integer, Integer> shadows) {}

  private final VersionDao versions;
  private final AliasDao aliases;
  private final TrafficDao traffic;
  private final AuditLog audit;
  private final LongSupplier salts;
  private final Recorder recorder;

  RoutingChanges(VersionDao versions, AliasDao aliases, TrafficDao traffic, AuditLog audit, LongSupplier salts,
      Recorder recorder) {
    this.versions = versions;
    this.aliases = aliases;
    this.traffic = traffic;
    this.audit = audit;
    this.salts = salts;
    this.recorder = recorder;
  }

  /** Checks a requested split before any transaction starts. A null {@code shadows} means none. */
  static Arms requireValidArms(Map<Integer, Integer> primaries,
      Map<Integer, Integer> shadows) {
    if (primaries == null || primaries.isEmpty()) {
      throw new InvalidRegistryRequestException("a traffic split needs at least one primary version");
    }
    Map<Integer, Integer> shadowArms = shadows == null ? Map.of() : shadows;
    if (primaries.size() + shadowArms.size() > MAX_ARMS) {
      throw new InvalidRegistryRequestException("a traffic split has at most " + MAX_ARMS + " arms");
    }
    SortedMap<Integer, Integer> p = sortedArms("primary", primaries, 0);
    SortedMap<Integer, Integer> s = sortedArms("shadow", shadowArms, 1);
    int sum = p.values().stream().mapToInt(Integer::intValue).sum();
    if (sum != 100) {
      throw new InvalidRegistryRequestException("primary weights must sum to 100, got " + sum + " (" + p + ")");
    }
    TreeSet<Integer> both = new TreeSet<>(p.keySet());
    both.retainAll(s.keySet());
    if (!both.isEmpty()) {
      throw new InvalidRegistryRequestException(
          "version(s) " + both + " cannot be both primary and shadow; choose one role per version");
    }
    return new Arms(p, s);
  }

  Optional<TrafficSplit> current(Connection c, Model m) throws SQLException {
    return traffic.find(c, m.id());
  }

  TrafficSplit set(Connection c, Model m, Arms arms, TrafficSplit.QualityGate gate, String actor)
      throws SQLException {
    SortedMap<Integer, Integer> primaries = arms.primaries();
    SortedMap<Integer, Integer> shadows = arms.shadows();
    TreeSet<Integer> all = new TreeSet<>(primaries.keySet());
    all.addAll(shadows.keySet());
    requireReady(c, m, all, "only READY versions can take traffic");
    Optional<TrafficSplit> before = traffic.find(c, m.id());
    if (before.isPresent() && sameArms(before.get(), primaries, shadows) && Objects.equals(before.get().gate(), gate)) {
      return before.get();
    }
    TrafficSplit after = store(c, m, primaries, shadows, before, gate);
    recorder.record(c, actor, AuditLog.TRAFFIC_SET, m.name(), null, changed(RoutingState.of(before),
        RoutingState.of(Optional.of(after))));
    return after;
  }

  void clear(Connection c, Model m, String actor) throws SQLException {
    Optional<TrafficSplit> before = traffic.find(c, m.id());
    if (before.isEmpty()) {
      return;
    }
    traffic.deleteRouting(c, m.id());
    recorder.record(c, actor, AuditLog.TRAFFIC_CLEAR, m.name(), null,
        changed(RoutingState.of(before), RoutingState.of(Optional.empty())));
  }

  TrafficSplit promote(Connection c, Model m, int version, String alias, String actor) throws SQLException {
    requireReady(c, m, List.of(version), "only a READY version can be promoted");
    Optional<TrafficSplit> before = traffic.find(c, m.id());
    SortedMap<Integer, Integer> primaries = new TreeMap<>(Map.of(version, 100));
    SortedMap<Integer, Integer> shadows = new TreeMap<>();
    before.ifPresent(split -> split.shadows().stream().filter(arm -> arm.version() != version)
        .forEach(arm -> shadows.put(arm.version(), arm.weight())));
    Integer aliasWas = alias == null ? null : aliases.find(c, m.id(), alias).map(Alias::version).orElse(null);

    boolean splitStays = before.isPresent() && sameArms(before.get(), primaries, shadows);
    boolean aliasStays = alias == null || Objects.equals(aliasWas, version);
    if (splitStays && aliasStays) {
      return before.get();
    }
    TrafficSplit after = splitStays
        ? before.get() : store(c, m, primaries, shadows, before, before.map(TrafficSplit::gate).orElse(null));
    Map<String, Integer> previousAliases = new TreeMap<>();
    if (alias != null) {
      aliases.upsert(c, m.id(), alias, version);
      previousAliases.put(alias, aliasWas);
    }
    ObjectNode details = changed(new RoutingState(before, previousAliases),
        new RoutingState(Optional.of(after), alias == null ? Map.of() : Map.of(alias, version)));
    recorder.record(c, actor, AuditLog.PROMOTE, m.name(), version, details);
    return after;
  }

  /** The versions the routing a rollback would restore sends traffic to; changes nothing. */
  SortedSet<Integer> rollbackVersions(Connection c, Model m) throws SQLException {
    RoutingState target = rollbackTarget(c, m).getValue();
    TreeSet<Integer> out = new TreeSet<>();
    target.split().ifPresent(split -> {
      split.primaries().stream().filter(arm -> arm.weight() > 0).forEach(arm -> out.add(arm.version()));
      split.shadows().forEach(arm -> out.add(arm.version()));
    });
    target.aliases().values().stream().filter(Objects::nonNull).forEach(out::add);
    return out;
  }

  private Map.Entry<RegistryEvent, RoutingState> rollbackTarget(Connection c, Model m) throws SQLException {
    RegistryEvent event = audit.latest(c, m.name(), AuditLog.ROUTING_CHANGES).orElseThrow(() ->
        new VersionStateException("model '" + m.name() + "' has no routing change ("
            + String.join(", ", AuditLog.ROUTING_CHANGES) + ") in its audit log: nothing to roll back"));
    return Map.entry(event, RoutingState.fromJson(m.name(), JsonDocuments.read(event.detailsJson()).path("previous")));
  }

  Optional<TrafficSplit> rollback(Connection c, Model m, String actor) throws SQLException {
    Map.Entry<RegistryEvent, RoutingState> planned = rollbackTarget(c, m);
    RegistryEvent event = planned.getKey();
    RoutingState target = planned.getValue();

    TreeSet<Integer> needed = new TreeSet<>();
    target.split().ifPresent(split -> {
      split.primaries().forEach(arm -> needed.add(arm.version()));
      split.shadows().forEach(arm -> needed.add(arm.version()));
    });
    target.aliases().values().stream().filter(Objects::nonNull).forEach(needed::add);
    requireReady(c, m, needed, "cannot roll back to the routing before event " + event.id() + " ("
        + event.action() + "); set the traffic explicitly instead");

    Optional<TrafficSplit> before = traffic.find(c, m.id());
    Map<String, Integer> aliasesBefore = new TreeMap<>();
    for (String name : target.aliases().keySet()) {
      aliasesBefore.put(name, aliases.find(c, m.id(), name).map(Alias::version).orElse(null));
    }

    Optional<TrafficSplit> after;
    if (target.split().isPresent()) {
      TrafficSplit restored = target.split().get();
      writeSplit(c, m, restored.primaries(), restored.shadows(), restored.salt(), restored.buckets(), restored.gate());
      after = traffic.find(c, m.id());
    } else {
      traffic.deleteRouting(c, m.id());
      after = Optional.empty();
    }
    for (Map.Entry<String, Integer> alias : target.aliases().entrySet()) {
      if (alias.getValue() == null) {
        aliases.delete(c, m.id(), alias.getKey());
      } else {
        aliases.upsert(c, m.id(), alias.getKey(), alias.getValue());
      }
    }
    ObjectNode details = changed(new RoutingState(before, aliasesBefore), new RoutingState(after, target.aliases()));
    details.put("restored_from_event", event.id());
    recorder.record(c, actor, AuditLog.ROLLBACK, m.name(), null, details);
    return after;
  }

  TrafficSplit tripQualityGate(Connection c, Model m, int candidate, String reason, String actor)
      throws SQLException {
    TrafficSplit before = traffic.find(c, m.id()).orElseThrow(() ->
        new RegistryNotFoundException("model '" + m.name() + "' has no traffic split"));
    Optional<TrafficSplit.Arm> arm = before.primaries().stream().filter(a -> a.version() == candidate).findFirst();
    if (arm.isEmpty() || arm.get().weight() == 0) {
      return before; // already tripped (another server got here first) or no longer a primary
    }
    TrafficSplit.Arm heir = before.primaries().stream()
        .filter(a -> a.version() != candidate)
        .max(Comparator.comparingInt(TrafficSplit.Arm::weight).thenComparingInt(a -> -a.version()))
        .orElseThrow(() -> new VersionStateException("version " + candidate + " is the only primary of '"
            + m.name() + "'; there is no other primary to take its traffic"));
    SortedMap<Integer, Integer> primaries = new TreeMap<>();
    before.primaries().forEach(a -> primaries.put(a.version(), a.weight()));
    primaries.put(candidate, 0);
    primaries.put(heir.version(), heir.weight() + arm.get().weight());
    SortedMap<Integer, Integer> shadows = new TreeMap<>();
    before.shadows().forEach(a -> shadows.put(a.version(), a.weight()));

    TrafficSplit after = store(c, m, primaries, shadows, Optional.of(before), before.gate());
    ObjectNode details = changed(RoutingState.of(Optional.of(before)), RoutingState.of(Optional.of(after)));
    details.put("reason", reason).put("candidate", candidate).put("to", heir.version());
    recorder.record(c, actor, AuditLog.TRAFFIC_GATE, m.name(), candidate, details);
    return after;
  }

  /**
   * Before {@code version} is archived: refuses while it takes traffic (a primary of weight above 0)
   * or is a shadow; a primary arm of weight 0 (a tripped candidate) is dropped. True when one was.
   */
  boolean releaseForArchive(Connection c, Model m, int version) throws SQLException {
    Optional<TrafficSplit> split = traffic.find(c, m.id());
    if (split.isEmpty()) {
      return false;
    }
    for (TrafficSplit.Arm arm : split.get().shadows()) {
      if (arm.version() == version) {
        throw new VersionStateException("version " + version + " of '" + m.name() + "' is a shadow arm ("
            + arm.weight() + "%) of the traffic split; set the traffic without it before archiving");
      }
    }
    for (TrafficSplit.Arm arm : split.get().primaries()) {
      if (arm.version() == version) {
        if (arm.weight() > 0) {
          throw new VersionStateException("version " + version + " of '" + m.name() + "' still takes "
              + arm.weight() + "% of the traffic split; set the traffic without it before archiving");
        }
        traffic.deleteArm(c, m.id(), version);
        return true;
      }
    }
    return false;
  }

  // Keeps the salt (so keys stay on their buckets) and moves as few buckets as the weights allow.
  private TrafficSplit store(Connection c, Model m, SortedMap<Integer, Integer> primaries,
      SortedMap<Integer, Integer> shadows, Optional<TrafficSplit> before, TrafficSplit.QualityGate gate)
      throws SQLException {
    int[] buckets = BucketAssignment.assign(before.map(TrafficSplit::buckets).orElse(null), primaries);
    long salt = before.isPresent() ? before.get().salt() : salts.getAsLong();
    writeSplit(c, m, arms(primaries), arms(shadows), salt, buckets, gate);
    return traffic.find(c, m.id()).orElseThrow(() -> new SQLException("split of '" + m.name() + "' vanished"));
  }

  private void writeSplit(Connection c, Model m, List<TrafficSplit.Arm> primaries, List<TrafficSplit.Arm> shadows,
      long salt, int[] buckets, TrafficSplit.QualityGate gate) throws SQLException {
    traffic.upsertRouting(c, m.id(), salt, buckets, gate);
    traffic.deleteArms(c, m.id());
    traffic.insertArms(c, m.id(), primaries, shadows);
  }

  /** Every version must exist (else not found) and be READY (else a state error naming them all). */
  private void requireReady(Connection c, Model m, Iterable<Integer> wanted, String rule) throws SQLException {
    List<String> notReady = new ArrayList<>();
    for (int version : wanted) {
      ModelVersion v = versions.find(c, m.id(), version).orElseThrow(() -> new RegistryNotFoundException(
          "version " + version + " of model '" + m.name() + "' not found"));
      if (v.state() != VersionState.READY) {
        notReady.add(version + " (" + v.state() + ")");
      }
    }
    if (!notReady.isEmpty()) {
      throw new VersionStateException("version(s) " + String.join(", ", notReady) + " of '" + m.name()
          + "' are not READY; " + rule);
    }
  }

  private static boolean sameArms(TrafficSplit split, Map<Integer, Integer> primaries, Map<Integer, Integer> shadows) {
    return split.primaries().equals(arms(primaries)) && split.shadows().equals(arms(shadows));
  }

  private static List<TrafficSplit.Arm> arms(Map<Integer, Integer> byVersion) {
    return new TreeMap<>(byVersion).entrySet().stream()
        .map(e -> new TrafficSplit.Arm(e.getKey(), e.getValue()))
        .collect(Collectors.toList());
  }

  private static ObjectNode changed(RoutingState previous, RoutingState next) {
    ObjectNode details = JsonDocuments.object();
    details.set("previous", previous.toJson());
    details.set("next", next.toJson());
    return details;
  }

  private static SortedMap<Integer, Integer> sortedArms(String role, Map<Integer, Integer> arms, int minWeight) {
    SortedMap<Integer, Integer> sorted = new TreeMap<>();
    for (Map.Entry<Integer, Integer> arm : arms.entrySet()) {
      Integer version = arm.getKey();
      Integer weight = arm.getValue();
      if (version == null || version < 1) {
        throw new InvalidRegistryRequestException(role + " version must be 1 or more, got " + version);
      }
      if (weight == null || weight < minWeight || weight > 100) {
        throw new InvalidRegistryRequestException(role + " weight of version " + version + " must be between "
            + minWeight + " and 100, got " + weight);
      }
      sorted.put(version, weight);
    }
    return sorted;
  }
}
