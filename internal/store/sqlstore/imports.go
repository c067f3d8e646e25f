package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// The log of import runs. A run's files and counts are JSON documents in its row;
// the files' checksums are also rows of import_run_files, indexed by company and
// checksum, so ImportsOfFile reads no JSON to find runs.

const importCols = "r.id, r.company_id, r.source, r.actor, r.mode, r.files, r.started_at, r.finished_at, r.status, r.counts, r.problems, r.message"

// importFileDoc and importCountsDoc are how files and counts are stored as JSON.
type importFileDoc struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
}

type importCountsDoc struct {
	Created     int `json:"created"`
	Updated     int `json:"updated"`
	Deactivated int `json:"deactivated"`
	Unchanged   int `json:"unchanged"`
}

func importFilesJSON(files []store.ImportFile) string {
	docs := make([]importFileDoc, len(files))
	for i, f := range files {
		docs[i] = importFileDoc(f)
	}
	return string(mustJSON(docs))
}

func importCountsJSON(counts map[string]store.ImportCounts) string {
	docs := make(map[string]importCountsDoc, len(counts))
	for k, c := range counts {
		docs[k] = importCountsDoc(c)
	}
	return string(mustJSON(docs))
}

func scanImport(sc interface{ Scan(...any) error }) (store.ImportRun, error) {
	var r store.ImportRun
	var files, counts string
	if err := sc.Scan(&r.ID, &r.CompanyID, &r.Source, &r.Actor, &r.Mode, &files, timeScanner{&r.StartedAt}, timeScanner{&r.FinishedAt},
		&r.Status, &counts, &r.Problems, &r.Message); err != nil {
		return r, err
	}
	var fileDocs []importFileDoc
	if err := json.Unmarshal([]byte(files), &fileDocs); err != nil {
		return r, fmt.Errorf("import run %s: cannot read its files: %w", r.ID, err)
	}
	for _, f := range fileDocs {
		r.Files = append(r.Files, store.ImportFile(f))
	}
	var countDocs map[string]importCountsDoc
	if err := json.Unmarshal([]byte(counts), &countDocs); err != nil {
		return r, fmt.Errorf("import run %s: cannot read its counts: %w", r.ID, err)
	}
	for k, c := range countDocs {
		if r.Counts == nil {
			r.Counts = make(map[string]store.ImportCounts, len(countDocs))
		}
		r.Counts[k] = store.ImportCounts(c)
	}
	return r, nil
}

func (s *Store) queryImports(ctx context.Context, b *sqlBuilder) ([]store.ImportRun, error) {
	rows, err := s.r.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ImportRun
	for rows.Next() {
		r, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// validSHA256 reports whether h is a SHA-256 checksum in lower-case hex.
func validSHA256(h string) bool {
	if len(h) != 64 || strings.ToLower(h) != h {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// normalizeImport cleans a run's fields and checks them.
func normalizeImport(r *store.ImportRun) planning.Errors {
	var errs planning.Errors
	r.ID = strings.TrimSpace(r.ID)
	if r.ID != "" && !isUUID(r.ID) {
		errs.Add("id", "%q is not a run id; leave it empty for a new run", r.ID)
	}
	if !r.Source.Valid() {
		errs.Add("source", "%q is not one of api, import, sftp, quickconnect, console, demo, system", r.Source)
	}
	r.Mode = strings.ToLower(strings.TrimSpace(r.Mode))
	if r.Mode == "" {
		r.Mode = store.ImportMerge
	}
	if r.Mode != store.ImportMerge && r.Mode != store.ImportReplace {
		errs.Add("mode", "%q is not a mode; use %s or %s", r.Mode, store.ImportMerge, store.ImportReplace)
	}
	switch r.Status {
	case store.ImportRunning, store.ImportApplied, store.ImportDryRun, store.ImportUnchanged, store.ImportInvalid, store.ImportHeld, store.ImportFailed:
	case "":
		errs.Add("status", "is required")
	default:
		errs.Add("status", "%q is not a status; use one of %s", r.Status, strings.Join([]string{store.ImportRunning, store.ImportApplied,
			store.ImportDryRun, store.ImportUnchanged, store.ImportInvalid, store.ImportHeld, store.ImportFailed}, ", "))
	}
	if len(r.Files) == 0 {
		r.Files = nil
	} else {
		r.Files = append([]store.ImportFile(nil), r.Files...)
	}
	for i := range r.Files {
		f := &r.Files[i]
		f.Name = strings.TrimSpace(f.Name)
		f.SHA256 = strings.ToLower(strings.TrimSpace(f.SHA256))
		if f.Name == "" {
			errs.Add(fmt.Sprintf("files[%d].name", i), "is required")
		}
		if f.Size < 0 {
			errs.Add(fmt.Sprintf("files[%d].size", i), "cannot be negative (%d)", f.Size)
		}
		if f.SHA256 != "" && !validSHA256(f.SHA256) {
			errs.Add(fmt.Sprintf("files[%d].sha256", i), "%q is not a SHA-256 checksum; give its 64 hexadecimal digits", f.SHA256)
		}
	}
	if len(r.Counts) == 0 {
		r.Counts = nil
	} else {
		counts := make(map[string]store.ImportCounts, len(r.Counts))
		for k, c := range r.Counts {
			if k == "" {
				errs.Add("counts", "a count has no kind; name the kind of record, e.g. people")
			}
			if c.Created < 0 || c.Updated < 0 || c.Deactivated < 0 || c.Unchanged < 0 {
				errs.Add("counts", "the counts of %s cannot be negative", k)
			}
			counts[k] = c
		}
		r.Counts = counts
	}
	if r.Problems < 0 {
		errs.Add("problems", "cannot be negative (%d)", r.Problems)
	}
	r.StartedAt, r.FinishedAt = truncUTC(r.StartedAt), truncUTC(r.FinishedAt)
	return errs
}

// RecordImport implements store.Store.
func (s *Store) RecordImport(ctx context.Context, r store.ImportRun) (store.ImportRun, error) {
	if errs := normalizeImport(&r); len(errs) > 0 {
		return r, fmt.Errorf("cannot record the import run: %w", errs)
	}
	c, err := s.Company(ctx, r.CompanyID)
	if err != nil {
		return r, err
	}
	r.CompanyID = c.ID
	if r.ID == "" {
		r.ID = uuid.NewString()
	}
	q, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return r, err
	}
	defer q.Rollback()
	var company string
	var started time.Time
	b := s.d.build().sql("SELECT company_id, started_at FROM import_runs WHERE id = ").arg(r.ID)
	err = q.QueryRowContext(ctx, b.String(), b.args...).Scan(&company, timeScanner{&started})
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("read import run %s: %w", r.ID, err)
	}
	if exists && company != r.CompanyID {
		return r, fmt.Errorf("cannot record the import run: run %s belongs to another company than %s", r.ID, c.Slug)
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = started // the stored start, or zero for a new run
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = s.now().UTC().Truncate(time.Microsecond)
	}
	files, counts := importFilesJSON(r.Files), importCountsJSON(r.Counts)
	if exists {
		b = s.d.build().sql("UPDATE import_runs SET source = ").arg(string(r.Source)).sql(", actor = ").arg(r.Actor).
			sql(", mode = ").arg(r.Mode).sql(", files = ").arg(files).sql(", started_at = ").arg(s.d.ts(r.StartedAt)).
			sql(", finished_at = ").arg(s.d.tsOrNull(r.FinishedAt)).sql(", status = ").arg(r.Status).sql(", counts = ").arg(counts).
			sql(", problems = ").arg(r.Problems).sql(", message = ").arg(r.Message).sql(" WHERE id = ").arg(r.ID)
	} else {
		b = s.d.build().sql("INSERT INTO import_runs (id, company_id, source, actor, mode, files, started_at, finished_at, status, counts, problems, message) VALUES (").
			arg(r.ID).sql(", ").arg(r.CompanyID).sql(", ").arg(string(r.Source)).sql(", ").arg(r.Actor).sql(", ").arg(r.Mode).sql(", ").
			arg(files).sql(", ").arg(s.d.ts(r.StartedAt)).sql(", ").arg(s.d.tsOrNull(r.FinishedAt)).sql(", ").arg(r.Status).sql(", ").
			arg(counts).sql(", ").arg(r.Problems).sql(", ").arg(r.Message).sql(")")
	}
	if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
		return r, fmt.Errorf("record import run %s: %w", r.ID, err)
	}
	if exists {
		b = s.d.build().sql("DELETE FROM import_run_files WHERE run_id = ").arg(r.ID)
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return r, fmt.Errorf("record import run %s: %w", r.ID, err)
		}
	}
	if len(r.Files) > 0 {
		b = s.d.build().sql("INSERT INTO import_run_files (run_id, company_id, name, size, sha256) VALUES ")
		for i, f := range r.Files {
			if i > 0 {
				b.sql(", ")
			}
			b.sql("(").arg(r.ID).sql(", ").arg(r.CompanyID).sql(", ").arg(f.Name).sql(", ").arg(f.Size).sql(", ").arg(f.SHA256).sql(")")
		}
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return r, fmt.Errorf("record the files of import run %s: %w", r.ID, err)
		}
	}
	if err := q.Commit(); err != nil {
		return r, fmt.Errorf("record import run %s: %w", r.ID, err)
	}
	return r, nil
}

// Imports implements store.Store.
func (s *Store) Imports(ctx context.Context, companyID string, limit int) ([]store.ImportRun, error) {
	if !isUUID(companyID) {
		return nil, nil
	}
	b := s.d.build().sql("SELECT " + importCols + " FROM import_runs r WHERE r.company_id = ").arg(companyID).
		sql(" ORDER BY r.started_at DESC, r.id DESC")
	if limit > 0 {
		b.sql(" LIMIT ").arg(limit)
	}
	return s.queryImports(ctx, b)
}

// ImportsOfFile implements store.Store.
func (s *Store) ImportsOfFile(ctx context.Context, companyID, sha256 string) ([]store.ImportRun, error) {
	sum := strings.ToLower(strings.TrimSpace(sha256))
	if !validSHA256(sum) {
		return nil, fmt.Errorf("%q is not a SHA-256 checksum; give its 64 hexadecimal digits", sha256)
	}
	if !isUUID(companyID) {
		return nil, nil
	}
	// import_run_files_sha256 (company_id, sha256) finds the runs, then their rows
	// by primary key. (A file's rows carry its run's company, so the runs found
	// are the company's.)
	b := s.d.build().sql("SELECT " + importCols + " FROM import_runs r WHERE r.id IN (SELECT f.run_id FROM import_run_files f WHERE f.company_id = ").
		arg(companyID).sql(" AND f.sha256 = ").arg(sum).sql(") ORDER BY r.started_at DESC, r.id DESC")
	return s.queryImports(ctx, b)
}
