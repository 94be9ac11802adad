package dev.aeserve.server.routing;

/** How a call's version was chosen. */
public enum Route {
  /** The caller named the version. */
  VERSION,
  /** The caller named an alias. */
  ALIAS,
  /** The model's traffic split chose it. */
  SPLIT,
  /** No split: the newest READY version. */
  LATEST
}
