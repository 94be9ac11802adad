package dev.aeserve.registry;

import java.time.Instant;

/** One entry of the append-only audit log: who changed what, and when. */
public record RegistryEvent(
    long id, Instant at, String actor, String action, String model, Integer version, String detailsJson) {}
