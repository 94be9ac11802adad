package dev.aeserve.registry;

/** PENDING -> READY | FAILED; READY -> ARCHIVED. Only READY versions take traffic. */
public enum VersionState {
  PENDING, READY, FAILED, ARCHIVED
}
