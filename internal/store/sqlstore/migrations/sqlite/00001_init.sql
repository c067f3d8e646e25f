-- +goose Up
CREATE TABLE companies (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    sandbox_of  TEXT REFERENCES companies (id),
    hub_managed INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE memberships (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    permission TEXT NOT NULL CHECK (permission IN ('admin', 'editor', 'viewer')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, company_id)
);
CREATE INDEX memberships_company ON memberships (company_id);

CREATE TABLE "groups" (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id),
    code       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc        TEXT NOT NULL,
    UNIQUE (company_id, code)
);

CREATE TABLE job_titles (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id),
    code       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc        TEXT NOT NULL,
    UNIQUE (company_id, code)
);

CREATE TABLE tags (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id),
    code       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc        TEXT NOT NULL,
    UNIQUE (company_id, code)
);

CREATE TABLE people (
    id           TEXT PRIMARY KEY,
    company_id   TEXT NOT NULL REFERENCES companies (id),
    employee_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    email        TEXT,
    mobile_phone TEXT,
    job_title    TEXT,
    version      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    doc          TEXT NOT NULL,
    UNIQUE (company_id, employee_id)
);
CREATE UNIQUE INDEX people_email ON people (company_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX people_mobile_phone ON people (company_id, mobile_phone) WHERE mobile_phone IS NOT NULL;
CREATE INDEX people_updated ON people (company_id, updated_at);

CREATE TABLE projects (
    id             TEXT PRIMARY KEY,
    company_id     TEXT NOT NULL REFERENCES companies (id),
    project_number TEXT NOT NULL,
    status         TEXT NOT NULL,
    version        INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    doc            TEXT NOT NULL,
    UNIQUE (company_id, project_number)
);
CREATE INDEX projects_updated ON projects (company_id, updated_at);

CREATE TABLE assignments (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id),
    person_id  TEXT NOT NULL REFERENCES people (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    start_day  TEXT NOT NULL,
    end_day    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX assignments_person ON assignments (company_id, person_id, end_day);
CREATE INDEX assignments_project ON assignments (company_id, project_id, end_day);
CREATE INDEX assignments_updated ON assignments (company_id, updated_at);

CREATE TABLE time_off (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id),
    person_id  TEXT NOT NULL REFERENCES people (id),
    start_day  TEXT NOT NULL,
    end_day    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX time_off_person ON time_off (company_id, person_id);

CREATE TABLE resource_requests (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    start_day  TEXT NOT NULL,
    end_day    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX resource_requests_project ON resource_requests (company_id, project_id);

CREATE TABLE change_history (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id TEXT REFERENCES companies (id),
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    entity_key TEXT,
    operation  TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    source     TEXT NOT NULL,
    actor      TEXT,
    tx_id      TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    version    INTEGER NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX change_history_company ON change_history (company_id, seq);
CREATE INDEX change_history_entity ON change_history (entity_id, seq);

-- +goose Down
DROP TABLE change_history;
DROP TABLE resource_requests;
DROP TABLE time_off;
DROP TABLE assignments;
DROP TABLE projects;
DROP TABLE people;
DROP TABLE tags;
DROP TABLE job_titles;
DROP TABLE "groups";
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE companies;
