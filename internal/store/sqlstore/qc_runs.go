package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// The runs of QuickConnect's connections. A run's counts, row errors and
// fingerprints are JSON documents in its row; runs are found by connection or
// company, newest first, through indexes on those and the start time.

const qcRunCols = "r.id, r.company_id, r.connection_id, r.triggered_by, r.started_at, r.finished_at, r.status, r.message, r.counts, r.errors, r.errors_total, r.fingerprints"

// qcCountsDoc and qcRowErrorDoc are how counts and row errors are stored as
// JSON.
type qcCountsDoc struct {
	Read        int `json:"read"`
	Created     int `json:"created"`
	Updated     int `json:"updated"`
	Deactivated int `json:"deactivated"`
	Unchanged   int `json:"unchanged"`
	Skipped     int `json:"skipped"`
	Invalid     int `json:"invalid"`
}

type qcRowErrorDoc struct {
	Entity  string            `json:"entity,omitempty"`
	Source  string            `json:"source,omitempty"`
	Row     int               `json:"row,omitempty"`
	Field   string            `json:"field,omitempty"`
	Column  string            `json:"column,omitempty"`
	Message string            `json:"message"`
	Values  map[string]string `json:"values,omitempty"`
}

func qcRunDocs(r store.QCRun) (counts, errs, fingerprints string) {
	cd := make(map[string]qcCountsDoc, len(r.Counts))
	for k, c := range r.Counts {
		cd[k] = qcCountsDoc(c)
	}
	ed := make([]qcRowErrorDoc, len(r.Errors))
	for i, e := range r.Errors {
		ed[i] = qcRowErrorDoc(e)
	}
	fp := r.Fingerprints
	if fp == nil {
		fp = map[string]string{}
	}
	return string(mustJSON(cd)), string(mustJSON(ed)), string(mustJSON(fp))
}

func scanQCRun(sc interface{ Scan(...any) error }) (store.QCRun, error) {
	var r store.QCRun
	var counts, errs, fingerprints string
	if err := sc.Scan(&r.ID, &r.CompanyID, &r.ConnectionID, &r.Trigger, timeScanner{&r.StartedAt}, timeScanner{&r.FinishedAt},
		&r.Status, &r.Message, &counts, &errs, &r.ErrorsTotal, &fingerprints); err != nil {
		return r, err
	}
	var cd map[string]qcCountsDoc
	if err := json.Unmarshal([]byte(counts), &cd); err != nil {
		return r, fmt.Errorf("QuickConnect run %s: cannot read its counts: %w", r.ID, err)
	}
	for k, c := range cd {
		if r.Counts == nil {
			r.Counts = make(map[string]store.QCCounts, len(cd))
		}
		r.Counts[k] = store.QCCounts(c)
	}
	var ed []qcRowErrorDoc
	if err := json.Unmarshal([]byte(errs), &ed); err != nil {
		return r, fmt.Errorf("QuickConnect run %s: cannot read its row errors: %w", r.ID, err)
	}
	for _, e := range ed {
		r.Errors = append(r.Errors, store.QCRowError(e))
	}
	if err := json.Unmarshal([]byte(fingerprints), &r.Fingerprints); err != nil {
		return r, fmt.Errorf("QuickConnect run %s: cannot read its fingerprints: %w", r.ID, err)
	}
	if len(r.Fingerprints) == 0 {
		r.Fingerprints = nil
	}
	return r, nil
}

func (s *Store) queryQCRuns(ctx context.Context, b *sqlBuilder) ([]store.QCRun, error) {
	rows, err := s.r.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.QCRun
	for rows.Next() {
		r, err := scanQCRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// checkQCStatus reports a status that is not one of store.QCStatuses.
func checkQCStatus(errs *planning.Errors, status string) {
	switch {
	case status == "":
		errs.Add("status", "is required")
	case !slices.Contains(store.QCStatuses, status):
		errs.Add("status", "%q is not a status; use one of %s", status, strings.Join(store.QCStatuses, ", "))
	}
}

// normalizeQCRun cleans a run's fields and checks them. It copies what it
// changes, so the caller's run is left as it was.
func normalizeQCRun(r *store.QCRun) planning.Errors {
	var errs planning.Errors
	r.ID, r.ConnectionID = strings.TrimSpace(r.ID), strings.TrimSpace(r.ConnectionID)
	if r.ID != "" && !isUUID(r.ID) {
		errs.Add("id", "%q is not a run id; leave it empty for a new run", r.ID)
	}
	if r.ConnectionID == "" {
		errs.Add("connection_id", "is required")
	}
	switch {
	case r.Trigger == "":
		errs.Add("trigger", "is required")
	case !slices.Contains(store.QCTriggers, r.Trigger):
		errs.Add("trigger", "%q is not a trigger; use one of %s", r.Trigger, strings.Join(store.QCTriggers, ", "))
	}
	checkQCStatus(&errs, r.Status)
	if len(r.Counts) == 0 {
		r.Counts = nil
	} else {
		for k, c := range r.Counts {
			if k == "" {
				errs.Add("counts", "a count has no entity; name it, e.g. people")
			}
			if min(c.Read, c.Created, c.Updated, c.Deactivated, c.Unchanged, c.Skipped, c.Invalid) < 0 {
				errs.Add("counts", "the counts of %s cannot be negative", k)
			}
		}
		r.Counts = maps.Clone(r.Counts)
	}
	if r.ErrorsTotal < 0 {
		errs.Add("errors_total", "cannot be negative (%d)", r.ErrorsTotal)
	}
	r.ErrorsTotal = max(r.ErrorsTotal, len(r.Errors))
	if len(r.Errors) == 0 {
		r.Errors = nil
	} else {
		r.Errors = slices.Clone(r.Errors[:min(len(r.Errors), store.QCMaxRowErrors)])
		for i := range r.Errors {
			e := &r.Errors[i]
			if e.Row < 0 {
				errs.Add(fmt.Sprintf("errors[%d].row", i), "cannot be negative (%d)", e.Row)
			}
			if len(e.Values) == 0 {
				e.Values = nil
			}
		}
	}
	if len(r.Fingerprints) == 0 {
		r.Fingerprints = nil
	} else {
		if _, blank := r.Fingerprints[""]; blank {
			errs.Add("fingerprints", "a fingerprint has no source; name the source it was read from")
		}
		r.Fingerprints = maps.Clone(r.Fingerprints)
	}
	r.StartedAt, r.FinishedAt = truncUTC(r.StartedAt), truncUTC(r.FinishedAt)
	return errs
}

// RecordQCRun implements store.Store.
func (s *Store) RecordQCRun(ctx context.Context, r store.QCRun) (store.QCRun, error) {
	if errs := normalizeQCRun(&r); len(errs) > 0 {
		return r, fmt.Errorf("cannot record the QuickConnect run: %w", errs)
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
	if isUUID(r.ConnectionID) {
		b := s.d.build().sql("SELECT company_id FROM qc_connections WHERE id = ").arg(r.ConnectionID)
		err = q.QueryRowContext(ctx, b.String(), b.args...).Scan(&company)
	}
	switch {
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return r, fmt.Errorf("read QuickConnect connection %s: %w", r.ConnectionID, err)
	case company == "":
		return r, fmt.Errorf("cannot record the QuickConnect run: %w", qcMissing("id", r.ConnectionID))
	case company != r.CompanyID:
		return r, fmt.Errorf("cannot record the QuickConnect run: connection %s belongs to another company than %s", r.ConnectionID, c.Slug)
	}
	var connection string
	var started time.Time
	b := s.d.build().sql("SELECT connection_id, started_at FROM qc_runs WHERE id = ").arg(r.ID)
	err = q.QueryRowContext(ctx, b.String(), b.args...).Scan(&connection, timeScanner{&started})
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("read QuickConnect run %s: %w", r.ID, err)
	}
	if exists && connection != r.ConnectionID {
		return r, fmt.Errorf("cannot record the QuickConnect run: run %s belongs to another connection", r.ID)
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = started // the stored start, or zero for a new run
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = s.now().UTC().Truncate(time.Microsecond)
	}
	counts, errs, fingerprints := qcRunDocs(r)
	if exists {
		b = s.d.build().sql("UPDATE qc_runs SET triggered_by = ").arg(r.Trigger).sql(", started_at = ").arg(s.d.ts(r.StartedAt)).
			sql(", finished_at = ").arg(s.d.tsOrNull(r.FinishedAt)).sql(", status = ").arg(r.Status).sql(", message = ").arg(r.Message).
			sql(", counts = ").arg(counts).sql(", errors = ").arg(errs).sql(", errors_total = ").arg(r.ErrorsTotal).
			sql(", fingerprints = ").arg(fingerprints).sql(" WHERE id = ").arg(r.ID)
	} else {
		b = s.d.build().sql("INSERT INTO qc_runs (id, company_id, connection_id, triggered_by, started_at, finished_at, status, message, counts, errors, errors_total, fingerprints) VALUES (").
			arg(r.ID).sql(", ").arg(r.CompanyID).sql(", ").arg(r.ConnectionID).sql(", ").arg(r.Trigger).sql(", ").
			arg(s.d.ts(r.StartedAt)).sql(", ").arg(s.d.tsOrNull(r.FinishedAt)).sql(", ").arg(r.Status).sql(", ").arg(r.Message).sql(", ").
			arg(counts).sql(", ").arg(errs).sql(", ").arg(r.ErrorsTotal).sql(", ").arg(fingerprints).sql(")")
	}
	if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
		return r, fmt.Errorf("record QuickConnect run %s: %w", r.ID, err)
	}
	if err := q.Commit(); err != nil {
		return r, fmt.Errorf("record QuickConnect run %s: %w", r.ID, err)
	}
	return r, nil
}

// QCRuns implements store.Store.
func (s *Store) QCRuns(ctx context.Context, companyID, connectionID string, limit int) ([]store.QCRun, error) {
	if !isUUID(companyID) || connectionID != "" && !isUUID(connectionID) {
		return nil, nil
	}
	b := s.d.build().sql("SELECT " + qcRunCols + " FROM qc_runs r WHERE ")
	if connectionID != "" {
		b.sql("r.connection_id = ").arg(connectionID).sql(" AND ")
	}
	b.sql("r.company_id = ").arg(companyID).sql(" ORDER BY r.started_at DESC, r.id DESC")
	if limit > 0 {
		b.sql(" LIMIT ").arg(limit)
	}
	return s.queryQCRuns(ctx, b)
}

// qcRunNotFoundError says that a connection has no run with the statuses
// asked for. It matches store.ErrNotFound.
type qcRunNotFoundError struct {
	connectionID string
	status       []string
}

// Error says what was not found.
func (e *qcRunNotFoundError) Error() string {
	if len(e.status) == 0 {
		return fmt.Sprintf("QuickConnect connection %s has no runs", e.connectionID)
	}
	return fmt.Sprintf("QuickConnect connection %s has no run with status %s", e.connectionID, strings.Join(e.status, " or "))
}

// Is makes errors.Is(err, store.ErrNotFound) true.
func (e *qcRunNotFoundError) Is(target error) bool { return target == store.ErrNotFound }

// LastQCRun implements store.Store.
func (s *Store) LastQCRun(ctx context.Context, connectionID string, status ...string) (store.QCRun, error) {
	var errs planning.Errors
	for _, st := range status {
		checkQCStatus(&errs, st)
	}
	if len(errs) > 0 {
		return store.QCRun{}, fmt.Errorf("cannot look up the last QuickConnect run: %w", errs)
	}
	notFound := &qcRunNotFoundError{connectionID: connectionID, status: status}
	if !isUUID(connectionID) {
		return store.QCRun{}, notFound
	}
	b := s.d.build().sql("SELECT " + qcRunCols + " FROM qc_runs r WHERE r.connection_id = ").arg(connectionID)
	if len(status) > 0 {
		b.sql(" AND r.status IN ").in(status)
	}
	b.sql(" ORDER BY r.started_at DESC, r.id DESC LIMIT 1")
	runs, err := s.queryQCRuns(ctx, b)
	if err != nil {
		return store.QCRun{}, err
	}
	if len(runs) == 0 {
		return store.QCRun{}, notFound
	}
	return runs[0], nil
}
