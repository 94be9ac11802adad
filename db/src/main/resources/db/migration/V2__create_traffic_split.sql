-- Weighted routing of a model's traffic across versions: primaries share live traffic (their
-- weights sum to 100, enforced by the registry), shadows get a copy whose answers are discarded.

CREATE TABLE traffic_split (
    model_id bigint  NOT NULL,
    version  integer NOT NULL,
    weight   integer NOT NULL CHECK (weight BETWEEN 0 AND 100),
    role     text    NOT NULL CONSTRAINT traffic_split_role CHECK (role IN ('primary', 'shadow')),
    PRIMARY KEY (model_id, version),
    FOREIGN KEY (model_id, version) REFERENCES model_version (model_id, version)
);
