-- An upload's idempotency key: a client generates one per logical upload and sends it again when
-- it retries, so a retry after a lost response finds the version the first attempt created instead
-- of creating a second one. The artifact's hash tells a retry (same bytes) from a reuse of the key
-- for other bytes, which is refused.

CREATE TABLE upload_key (
    model_id         bigint      NOT NULL REFERENCES model (id),
    key              text        NOT NULL CONSTRAINT upload_key_length CHECK (length(key) BETWEEN 1 AND 128),
    version          integer     NOT NULL,
    artifact_sha256  text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, key),
    FOREIGN KEY (model_id, version) REFERENCES model_version (model_id, version)
);
