-- Arms belong to a model's routing row (created in V5) and go with it; a shadow's weight is the
-- percentage of primary traffic copied to it, so it is at least 1 (a primary may sit at 0, for
-- example after its quality gate tripped).

ALTER TABLE traffic_split
    ADD CONSTRAINT traffic_split_routing FOREIGN KEY (model_id) REFERENCES model_routing (model_id) ON DELETE CASCADE,
    ADD CONSTRAINT traffic_split_shadow_weight CHECK (role = 'primary' OR weight BETWEEN 1 AND 100);

