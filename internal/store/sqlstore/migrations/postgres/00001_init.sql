-- +goose Up
CREATE TABLE companies (
    id          UUID PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    sandbox_of  UUID REFERENCES companies (id),
    hub_managed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id         UUID PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    permission TEXT NOT NULL CHECK (permission IN ('admin', 'editor', 'viewer')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, company_id)
);
CREATE INDEX memberships_company ON memberships (company_id);

CREATE TABLE "groups" (
    id         UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id),
    code       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc        JSON NOT NULL,
    UNIQUE (company_id, code)
);

CREATE TABLE job_titles (
    id         UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id),
    code       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc        JSON NOT NULL,
    UNIQUE (company_id, code)
);

CREATE TABLE tags (
    id         UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id),
    code       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc        JSON NOT NULL,
    UNIQUE (company_id, code)
);

CREATE TABLE people (
    id           UUID PRIMARY KEY,
    company_id   UUID NOT NULL REFERENCES companies (id),
    employee_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    email        TEXT,
    mobile_phone TEXT,
    job_title    TEXT,
    version      BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    doc          JSON NOT NULL,
    UNIQUE (company_id, employee_id)
);
CREATE UNIQUE INDEX people_email ON people (company_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX people_mobile_phone ON people (company_id, mobile_phone) WHERE mobile_phone IS NOT NULL;
CREATE INDEX people_updated ON people (company_id, updated_at);

CREATE TABLE projects (
    id             UUID PRIMARY KEY,
    company_id     UUID NOT NULL REFERENCES companies (id),
    project_number TEXT NOT NULL,
    status         TEXT NOT NULL,
    version        BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    doc            JSON NOT NULL,
    UNIQUE (company_id, project_number)
);
CREATE INDEX projects_updated ON projects (company_id, updated_at);

CREATE TABLE assignments (
    id         UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id),
    person_id  UUID NOT NULL REFERENCES people (id),
    project_id UUID NOT NULL REFERENCES projects (id),
    start_day  DATE NOT NULL,
    end_day    DATE NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc        JSON NOT NULL
);
CREATE INDEX assignments_person ON assignments (company_id, person_id, end_day);
CREATE INDEX assignments_project ON assignments (company_id, project_id, end_day);
CREATE INDEX assignments_updated ON assignments (company_id, updated_at);

CREATE TABLE time_off (
    id         UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id),
    person_id  UUID NOT NULL REFERENCES people (id),
    start_day  DATE NOT NULL,
    end_day    DATE NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc        JSON NOT NULL
);
CREATE INDEX time_off_person ON time_off (company_id, person_id);

CREATE TABLE resource_requests (
    id         UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id),
    project_id UUID NOT NULL REFERENCES projects (id),
    start_day  DATE NOT NULL,
    end_day    DATE NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc        JSON NOT NULL
);
CREATE INDEX resource_requests_project ON resource_requests (company_id, project_id);

CREATE TABLE change_history (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id UUID REFERENCES companies (id),
    entity     TEXT NOT NULL,
    entity_id  UUID NOT NULL,
    entity_key TEXT,
    operation  TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    source     TEXT NOT NULL,
    actor      TEXT,
    tx_id      UUID NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    version    BIGINT NOT NULL,
    before     JSON,
    after      JSON
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
