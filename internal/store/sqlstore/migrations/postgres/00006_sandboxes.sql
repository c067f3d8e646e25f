-- +goose Up
-- Sandbox companies' settings: the production company each mirrors (the
-- sandbox company's sandbox_of says the same), when it is refreshed from it
-- ("monthly", "weekly", "daily", "cron: ...", "off"), and how the last refresh
-- went. A sandbox's row goes with its company.
CREATE TABLE sandboxes (
    sandbox_id         UUID PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    production_id      UUID NOT NULL REFERENCES companies (id),
    refresh            TEXT NOT NULL,
    last_refresh_at    TIMESTAMPTZ,
    last_refresh_error TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX sandboxes_production ON sandboxes (production_id);

-- Emptying a sandbox deletes people and projects, which nothing else does: each
-- deleted row's foreign keys are checked against the rows that may point at
-- it, by person or project id alone, so those columns need indexes of their own
-- (the existing ones start with company_id). Without them every deleted
-- person scans every assignment of every company.
CREATE INDEX assignments_person_ref ON assignments (person_id);
CREATE INDEX assignments_project_ref ON assignments (project_id);
CREATE INDEX time_off_person_ref ON time_off (person_id);
CREATE INDEX resource_requests_project_ref ON resource_requests (project_id);

-- +goose Down
DROP INDEX resource_requests_project_ref;
DROP INDEX time_off_person_ref;
DROP INDEX assignments_project_ref;
DROP INDEX assignments_person_ref;
DROP TABLE sandboxes;
