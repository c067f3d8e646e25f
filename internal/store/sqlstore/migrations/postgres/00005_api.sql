-- +goose Up
-- The REST API's OAuth 2.0 clients (client credentials grant): one company's
-- integrations. scopes is a space-separated list ("read write"); secret_hash is
-- the hash of the secret, never the secret.
CREATE TABLE api_clients (
    id           TEXT PRIMARY KEY,
    company_id   UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    permission   TEXT NOT NULL CHECK (permission IN ('admin', 'editor', 'viewer')),
    secret_hash  BYTEA NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    UNIQUE (id, company_id)
);
CREATE INDEX api_clients_company ON api_clients (company_id, created_at);

-- The API's bearer tokens: access tokens issued to a client (in the client's
-- company) and users' personal access tokens. The hash of the secret, never the
-- secret.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('access', 'personal')),
    client_id    TEXT REFERENCES api_clients (id) ON DELETE CASCADE,
    company_id   UUID REFERENCES companies (id) ON DELETE CASCADE,
    user_id      UUID REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    scopes       TEXT NOT NULL,
    secret_hash  BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    FOREIGN KEY (client_id, company_id) REFERENCES api_clients (id, company_id) ON DELETE CASCADE,
    CHECK (kind = 'access' AND client_id IS NOT NULL AND company_id IS NOT NULL AND user_id IS NULL
        OR kind = 'personal' AND user_id IS NOT NULL AND client_id IS NULL AND company_id IS NULL)
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
CREATE INDEX api_tokens_client ON api_tokens (client_id, created_at);
CREATE INDEX api_tokens_expires ON api_tokens (expires_at) WHERE kind = 'access';

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE api_clients;
