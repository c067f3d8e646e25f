-- +goose Up
-- Analytics access: a member may read the company's shares over Delta Sharing.
ALTER TABLE memberships ADD COLUMN analytics BOOLEAN NOT NULL DEFAULT FALSE;

-- Delta Sharing shares. name_key is the name lower-cased (names are compared
-- case-insensitively); every company has exactly one share of kind 'company'.
CREATE TABLE shares (
    id         UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('company', 'custom')),
    comment    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX shares_company ON shares (company_id);
CREATE UNIQUE INDEX shares_company_default ON shares (company_id) WHERE kind = 'company';

-- The tables a share lists: a published hub table or an external Delta table.
CREATE TABLE shared_tables (
    id          UUID PRIMARY KEY,
    share_id    UUID NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    schema_name TEXT NOT NULL,
    name        TEXT NOT NULL,
    schema_key  TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    hub_table   TEXT,
    location    TEXT,
    history     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (share_id, schema_key, name_key),
    CHECK ((hub_table IS NULL) <> (location IS NULL))
);

-- Recipients' bearer tokens: the hash of the secret, never the secret.
CREATE TABLE share_tokens (
    id           TEXT PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL DEFAULT 'token' CHECK (kind IN ('token', 'client')),
    hash         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX share_tokens_user ON share_tokens (user_id, created_at);

-- One row per sharing request. Not tied to users or shares by foreign keys: the
-- log outlives them.
CREATE TABLE sharing_access_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    user_id     TEXT,
    token_id    TEXT,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    share       TEXT,
    share_key   TEXT,
    schema_name TEXT,
    table_name  TEXT,
    status      INTEGER NOT NULL,
    files       INTEGER NOT NULL,
    bytes       BIGINT NOT NULL,
    duration_ns BIGINT NOT NULL,
    remote      TEXT
);
CREATE INDEX sharing_access_log_at ON sharing_access_log (at);
CREATE INDEX sharing_access_log_user ON sharing_access_log (user_id, at);
CREATE INDEX sharing_access_log_share ON sharing_access_log (share_key, at);

-- Every existing company gets its default share, named after its slug.
INSERT INTO shares (id, company_id, name, name_key, kind, comment, created_at)
SELECT gen_random_uuid(), id, slug, slug, 'company', '', created_at
FROM companies;

-- +goose Down
DROP TABLE sharing_access_log;
DROP TABLE share_tokens;
DROP TABLE shared_tables;
DROP TABLE shares;
ALTER TABLE memberships DROP COLUMN analytics;
