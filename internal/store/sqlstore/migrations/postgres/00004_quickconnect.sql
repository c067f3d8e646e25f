-- +goose Up
-- QuickConnect's connections: one per name (compared lower-cased, name_key) per
-- company. definition is the connection's YAML text, kept as given.
CREATE TABLE qc_connections (
    id         UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    definition TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (company_id, name_key)
);

-- One row per run of a connection, removed with it. counts, errors and
-- fingerprints are JSON documents.
CREATE TABLE qc_runs (
    id            UUID PRIMARY KEY,
    company_id    UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    connection_id UUID NOT NULL REFERENCES qc_connections (id) ON DELETE CASCADE,
    triggered_by  TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        TEXT NOT NULL,
    message       TEXT NOT NULL DEFAULT '',
    counts        TEXT NOT NULL,
    errors        TEXT NOT NULL,
    errors_total  INTEGER NOT NULL DEFAULT 0,
    fingerprints  TEXT NOT NULL
);
CREATE INDEX qc_runs_connection ON qc_runs (connection_id, started_at DESC, id DESC);
CREATE INDEX qc_runs_company ON qc_runs (company_id, started_at DESC, id DESC);

-- +goose Down
DROP TABLE qc_runs;
DROP TABLE qc_connections;
