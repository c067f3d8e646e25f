-- +goose Up
-- Lists (the REST API's pages, exports) read one company's records in id order,
-- a page at a time: these indexes give that order without sorting the whole
-- company for every page.
CREATE INDEX groups_list ON "groups" (company_id, id);
CREATE INDEX job_titles_list ON job_titles (company_id, id);
CREATE INDEX tags_list ON tags (company_id, id);
CREATE INDEX people_list ON people (company_id, id);
CREATE INDEX projects_list ON projects (company_id, id);
CREATE INDEX assignments_list ON assignments (company_id, id);
CREATE INDEX time_off_list ON time_off (company_id, id);
CREATE INDEX resource_requests_list ON resource_requests (company_id, id);

-- +goose Down
DROP INDEX resource_requests_list;
DROP INDEX time_off_list;
DROP INDEX assignments_list;
DROP INDEX projects_list;
DROP INDEX people_list;
DROP INDEX tags_list;
DROP INDEX job_titles_list;
DROP INDEX groups_list;
