package dev.aeserve.autoencoders;

/**
 * A recommended item.
 *
 * @param score the model's score: a predicted rating (autorec) or a logit of the multinomial
 *     (multvae); higher ranks first
 */
public record ScoredItem(String itemId, float score) {}
