-- +goose Up
-- One row per import run. files and counts are JSON documents; the files'
-- checksums are also in import_run_files, so runs can be found by file without
-- reading JSON.
CREATE TABLE import_runs (
    id          TEXT PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    mode        TEXT NOT NULL,
    files       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,
    counts      TEXT NOT NULL,
    problems    INTEGER NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX import_runs_company ON import_runs (company_id, started_at DESC, id DESC);

-- The files of each run, with the run's company, by checksum (lower-case hex).
CREATE TABLE import_run_files (
    run_id     TEXT NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL
);
CREATE INDEX import_run_files_run ON import_run_files (run_id);
CREATE INDEX import_run_files_sha256 ON import_run_files (company_id, sha256);

-- The SFTP server's accounts. username_key is the username lower-cased
-- (usernames are compared case-insensitively). An account logs in by password,
-- by key, or both.
CREATE TABLE sftp_accounts (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    username        TEXT NOT NULL,
    username_key    TEXT NOT NULL UNIQUE,
    password_hash   TEXT,
    authorized_keys TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    CHECK (password_hash IS NOT NULL OR authorized_keys <> '')
);
CREATE INDEX sftp_accounts_company ON sftp_accounts (company_id, username_key);

-- +goose Down
DROP TABLE sftp_accounts;
DROP TABLE import_run_files;
DROP TABLE import_runs;
