package dev.aeserve.autoencoders.evaluation;

/**
 * Top-N accuracy averaged over held-out users.
 *
 * @param users users evaluated
 * @param recallAt20 hits in the top 20 / min(20, held-out items), averaged
 * @param recallAt50 the same at 50
 * @param ndcgAt100 DCG of the top 100 (gain 1 per hit, discount log2(rank + 1)) over the ideal
 *     DCG of min(100, held-out items) hits, averaged
 */
public record RankingMetrics(int users, double recallAt20, double recallAt50, double ndcgAt100) {}
