-- Bearer tokens. Only the sha256 of a token is stored; the token itself is shown once.

CREATE TABLE api_token (
    id         bigserial   PRIMARY KEY,
    name       text        NOT NULL UNIQUE CHECK (name <> ''),
    sha256     text        NOT NULL UNIQUE CONSTRAINT api_token_sha256_format CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    scopes     text[]      NOT NULL DEFAULT '{}'
                           CONSTRAINT api_token_known_scopes
                           CHECK (scopes <@ ARRAY ['infer', 'registry:read', 'registry:write', 'admin']::text[]),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
