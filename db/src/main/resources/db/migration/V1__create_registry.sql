-- The registry proper: models, their immutable versions, the content-addressed weights they
-- point at, and movable aliases. See DESIGN.md section 2.

CREATE TABLE model (
    id           bigserial   PRIMARY KEY,
    name         text        NOT NULL UNIQUE
                             CONSTRAINT model_name_format CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    family       text        NOT NULL CONSTRAINT model_family_present CHECK (family <> ''),
    description  text        NOT NULL DEFAULT '',
    -- Versions are allocated from this counter under the model's row lock, so a number is never
    -- handed out twice, even when the version it named later FAILED.
    next_version integer     NOT NULL DEFAULT 1 CHECK (next_version > 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE artifact (
    sha256     text        PRIMARY KEY CONSTRAINT artifact_sha256_format CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content    bytea       NOT NULL,
    size_bytes bigint      NOT NULL CHECK (size_bytes > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Weights barely compress; storing them out of line uncompressed saves CPU on every load.
ALTER TABLE artifact ALTER COLUMN content SET STORAGE EXTERNAL;

CREATE TABLE model_version (
    model_id        bigint      NOT NULL REFERENCES model (id),
    version         integer     NOT NULL CHECK (version > 0),
    state           text        NOT NULL
                                CONSTRAINT model_version_state CHECK (state IN ('PENDING', 'READY', 'FAILED', 'ARCHIVED')),
    spec            jsonb       NOT NULL CHECK (jsonb_typeof(spec) = 'object'),
    metrics         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metrics) = 'object'),
    calibration     jsonb       CHECK (calibration IS NULL OR jsonb_typeof(calibration) = 'object'),
    artifact_sha256 text        NOT NULL REFERENCES artifact (sha256),
    size_bytes      bigint      NOT NULL CHECK (size_bytes > 0),
    parent_version  integer,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    failure_reason  text,
    PRIMARY KEY (model_id, version),
    FOREIGN KEY (model_id, parent_version) REFERENCES model_version (model_id, version),
    CONSTRAINT model_version_failure_reason CHECK ((state = 'FAILED') = (failure_reason IS NOT NULL))
);
CREATE INDEX model_version_artifact ON model_version (artifact_sha256);

CREATE TABLE alias (
    model_id   bigint      NOT NULL,
    alias      text        NOT NULL
                           CONSTRAINT alias_name_format CHECK (alias ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    version    integer     NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, alias),
    FOREIGN KEY (model_id, version) REFERENCES model_version (model_id, version),
    -- 'latest' is computed (the newest READY version), never stored.
    CONSTRAINT alias_not_reserved CHECK (alias <> 'latest')
);
CREATE INDEX alias_target ON alias (model_id, version);
