package dev.aeserve.registry;

import java.time.Instant;

/** A named model: the stable identity that versions, aliases and splits hang from. */
public record Model(long id, String name, String family, String description, Instant createdAt) {}
