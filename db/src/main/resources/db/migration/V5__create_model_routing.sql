-- Per-model routing state that goes with the traffic_split arms: the salt of the sticky hash and
-- which primary version serves each of the 10,000 buckets, plus the optional quality gate.
-- A model has a split exactly when it has a model_routing row; its arms hang off that row, so
-- deleting the row (clearing the split) removes them too.

CREATE TABLE model_routing (
    model_id   bigint      PRIMARY KEY REFERENCES model (id),
    -- Chosen at random when the model's first split is set and kept across weight changes, so a
    -- routing key keeps its bucket while the split holds.
    salt       bigint      NOT NULL,
    -- buckets[b + 1] (Postgres arrays start at 1) is the primary version serving bucket b.
    buckets    integer[]   NOT NULL
                           CONSTRAINT model_routing_buckets_shape
                           CHECK (array_ndims(buckets) = 1 AND cardinality(buckets) = 10000
                                  AND array_position(buckets, NULL) IS NULL),
    -- {"max_error_increase_percent": number, "min_requests": integer}, or null for no gate.
    gate       jsonb       CONSTRAINT model_routing_gate_object
                           CHECK (gate IS NULL OR jsonb_typeof(gate) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now()
);
