package dev.aeserve.server.rollout;

/** A stream of differences summed up: count, exact mean, and nearest-rank p50 and p99. */
public record DifferenceStatsView(long count, double mean, double p50, double p99) {}
