package quickconnect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/ingest"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/quickconnect/mapping"
	"github.com/trestle-dev/trestle/internal/quickconnect/source"
	"github.com/trestle-dev/trestle/internal/store"
)

// ErrBusy is returned by Run when the connection is already running (here
// or in another hub process on the same database).
var ErrBusy = errors.New("the connection is running already")

// RunOptions tune one run.
type RunOptions struct {
	// Trigger is store.QCTriggerSchedule, QCTriggerManual or QCTriggerDryRun
	// (which plans and writes nothing).
	Trigger string
	// Force applies a run that is held (too many deactivations).
	Force bool
	// Secrets resolves secret:name references of the sources.
	Secrets *source.Secrets
	// Today is the company's current day (zero: the clock's, in the
	// company's time zone).
	Today planning.Date
	// Log receives the run's progress (slog.Default when nil).
	Log *slog.Logger
}

// Run syncs a connection once: reads each entity's source (an unchanged
// source is skipped), maps the rows, plans against the hub and applies the
// plan in one transaction with source "quickconnect", and records the run.
// Invalid rows make the whole run invalid (nothing is applied; the first
// 1,000 are recorded); rows left out by the mapping's filters are counted.
// The error is for runs that could not be recorded; a failed sync is a run
// with status store.QCFailed.
func Run(ctx context.Context, st store.Store, conn store.QCConnection, o RunOptions) (store.QCRun, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	release, ok, err := st.TryLock(ctx, "quickconnect:"+conn.ID)
	if err != nil {
		return store.QCRun{}, err
	}
	if !ok {
		return store.QCRun{}, fmt.Errorf("%s: %w", conn.Name, ErrBusy)
	}
	defer release()
	if o.Trigger == "" {
		o.Trigger = store.QCTriggerManual
	}
	run, err := st.RecordQCRun(ctx, store.QCRun{CompanyID: conn.CompanyID, ConnectionID: conn.ID, Trigger: o.Trigger,
		Status: store.QCRunning, Counts: map[string]store.QCCounts{}, Fingerprints: map[string]string{}})
	if err != nil {
		return run, err
	}
	if run.Counts == nil {
		run.Counts = map[string]store.QCCounts{}
	}
	if run.Fingerprints == nil {
		run.Fingerprints = map[string]string{}
	}
	r := &runner{st: st, conn: conn, o: o, run: &run, log: o.Log.With("connection", conn.Name)}
	status, msg := r.sync(ctx)
	run.Status, run.Message, run.FinishedAt = status, msg, time.Now().UTC()
	r.log.Info("quickconnect run finished", "status", status, "message", msg)
	return st.RecordQCRun(context.WithoutCancel(ctx), run)
}

// runner is one run in progress.
type runner struct {
	st   store.Store
	conn store.QCConnection
	o    RunOptions
	run  *store.QCRun
	log  *slog.Logger
}

// sync does the run and returns its status and message.
func (r *runner) sync(ctx context.Context) (string, string) {
	c, err := r.st.Company(ctx, r.conn.CompanyID)
	if err != nil {
		return store.QCFailed, err.Error()
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		loc = time.UTC
	}
	def, err := ParseDefinition([]byte(r.conn.Definition), loc)
	if err != nil {
		return store.QCFailed, err.Error()
	}
	// What the sources held at the last applied run, unless the definition
	// changed since (a new mapping must be applied to unchanged sources too).
	prev := map[string]string{}
	version := definitionVersion(r.conn.Definition)
	if last, err := r.st.LastQCRun(ctx, r.conn.ID, store.QCOK, store.QCUnchanged); err == nil && last.Trigger != store.QCTriggerDryRun &&
		last.Fingerprints[definitionKey] == version {
		prev = last.Fingerprints
	}
	r.run.Fingerprints[definitionKey] = version
	mctx := mapping.Context{Today: r.o.Today, Location: loc}
	set := &ingest.Set{}
	changed := false
	var replace []planning.Kind
	for _, e := range def.entities() {
		fp, same, err := r.read(ctx, def, e, mctx, source.Fingerprint(prev[string(e)]), set)
		if err != nil {
			return store.QCFailed, fmt.Sprintf("%s: %v", e, err)
		}
		r.run.Fingerprints[string(e)] = string(fp)
		if !same {
			changed = true
			if def.Entities[e].DeactivateMissing {
				replace = append(replace, e.Kind())
			}
		}
	}
	if r.run.ErrorsTotal > 0 {
		return store.QCInvalid, fmt.Sprintf("%d rows cannot be read; nothing was applied", r.run.ErrorsTotal)
	}
	if !changed {
		return store.QCUnchanged, "the sources hold nothing new"
	}
	opts := ingest.Options{Mode: ingest.Merge, Source: planning.SourceQuickConnect, Actor: r.conn.Name,
		HoldAbove: def.HoldAbove, Owned: def.mapping.Owned(), DryRun: r.o.Trigger == store.QCTriggerDryRun, Force: r.o.Force}
	if len(replace) > 0 {
		opts.Mode, opts.ReplaceKinds = ingest.Replace, replace
	}
	plan, err := ingest.MakePlan(ctx, r.st, r.conn.CompanyID, set, opts)
	var inv *ingest.InvalidError
	if errors.As(err, &inv) {
		for _, p := range inv.Problems {
			r.rowError(store.QCRowError{Entity: entityOf(p.Kind), Source: p.Origin.File, Row: p.Origin.Line, Field: p.Field, Message: p.Message})
		}
		r.run.ErrorsTotal = max(r.run.ErrorsTotal, inv.Total)
		return store.QCInvalid, fmt.Sprintf("%d records are not valid; nothing was applied", inv.Total)
	}
	if err != nil {
		return store.QCFailed, err.Error()
	}
	for _, k := range plan.Kinds() {
		e := entityOf(k.Kind)
		n := r.run.Counts[e]
		n.Created, n.Updated, n.Deactivated, n.Unchanged = k.Creates, k.Updates, k.Deactivations, k.Unchanged
		if n != (store.QCCounts{}) {
			r.run.Counts[e] = n
		}
	}
	switch {
	case opts.DryRun:
		return store.QCOK, "dry run: " + oneLine(plan.Summary())
	case plan.Held() && !r.o.Force:
		return store.QCHeld, "held, nothing was applied: " + joinHolds(plan.Holds)
	case plan.Empty():
		return store.QCUnchanged, "nothing to change: the hub already holds these records"
	}
	if _, err := ingest.Apply(ctx, r.st, plan, ingest.ApplyOptions{Force: r.o.Force}); err != nil {
		return store.QCFailed, err.Error()
	}
	return store.QCOK, "applied: " + oneLine(plan.Summary())
}

// read streams one entity's source into set. same reports that the source
// holds what the previous run read (nothing was added to set then).
func (r *runner) read(ctx context.Context, def *Definition, e mapping.Entity, mctx mapping.Context, prev source.Fingerprint,
	set *ingest.Set) (source.Fingerprint, bool, error) {
	cfg := def.sourceConfig(e)
	src, err := source.Open(ctx, cfg, source.Options{Secrets: r.o.Secrets, Previous: prev})
	if err != nil {
		return "", false, err
	}
	defer src.Close()
	if src.Unchanged() {
		r.log.Info("source unchanged", "entity", e, "source", src.String())
		return src.Fingerprint(), true, nil
	}
	if err := def.mapping.CheckColumns(e, src.Columns()); err != nil {
		return "", false, fmt.Errorf("%s: %w", src.String(), err)
	}
	name := def.Entities[e].Source
	counts := r.run.Counts[string(e)]
	for row, err := range src.Rows(ctx) {
		if err != nil {
			return "", false, fmt.Errorf("%s: %w", src.String(), err)
		}
		counts.Read++
		origin := ingest.Origin{File: name, Line: int(row.Num)}
		var out mapping.Outcome
		switch e {
		case mapping.People:
			v, o := def.mapping.MapPerson(row, mctx)
			out = o
			set.People = append(set.People, ingest.Item[planning.Person]{Value: v, Origin: origin, AllGroups: o.AllGroups, Invalid: o.Result == mapping.Invalid})
		case mapping.Projects:
			v, o := def.mapping.MapProject(row, mctx)
			out = o
			set.Projects = append(set.Projects, ingest.Item[planning.Project]{Value: v, Origin: origin, AllGroups: o.AllGroups, Invalid: o.Result == mapping.Invalid})
		case mapping.Groups:
			v, o := def.mapping.MapGroup(row, mctx)
			out = o
			set.Groups = append(set.Groups, ingest.Item[planning.Group]{Value: v, Origin: origin, Invalid: o.Result == mapping.Invalid})
		case mapping.JobTitles:
			v, o := def.mapping.MapJobTitle(row, mctx)
			out = o
			set.JobTitles = append(set.JobTitles, ingest.Item[planning.JobTitle]{Value: v, Origin: origin, Invalid: o.Result == mapping.Invalid})
		}
		switch out.Result {
		case mapping.Skipped:
			counts.Skipped++
			dropLast(set, e)
		case mapping.Invalid:
			counts.Invalid++
			for _, p := range out.Problems {
				r.rowError(store.QCRowError{Entity: string(e), Source: name, Row: int(row.Num), Field: p.Field, Column: p.Column,
					Message: p.Message, Values: rowValues(row)})
			}
		}
	}
	r.run.Counts[string(e)] = counts
	fp := src.Fingerprint()
	if source.SameContent(prev, fp) {
		truncate(set, e)
		r.log.Info("source read, nothing new", "entity", e, "rows", counts.Read)
		return fp, true, nil
	}
	return fp, false, nil
}

// definitionKey keys the definition's version among a run's fingerprints.
const definitionKey = "_definition"

// definitionVersion identifies a connection definition.
func definitionVersion(def string) string {
	sum := sha256.Sum256([]byte(def))
	return hex.EncodeToString(sum[:12])
}

// rowError records a row error (the first store.QCMaxRowErrors are kept).
func (r *runner) rowError(e store.QCRowError) {
	r.run.ErrorsTotal++
	if len(r.run.Errors) < store.QCMaxRowErrors {
		r.run.Errors = append(r.run.Errors, e)
	}
}

// rowValues is a row's values as text, for the run history.
func rowValues(row source.Row) map[string]string {
	cols, vals := row.Columns(), row.Values()
	out := make(map[string]string, len(cols))
	for i, c := range cols {
		if i < len(vals) && vals[i] != nil {
			out[c] = fmt.Sprint(vals[i])
		}
	}
	return out
}

// entityOf names a kind as the run history does.
func entityOf(k planning.Kind) string {
	switch k {
	case planning.KindGroup:
		return string(mapping.Groups)
	case planning.KindJobTitle:
		return string(mapping.JobTitles)
	case planning.KindPerson:
		return string(mapping.People)
	case planning.KindProject:
		return string(mapping.Projects)
	}
	return string(k)
}

// dropLast removes the record just added to the entity's list.
func dropLast(set *ingest.Set, e mapping.Entity) {
	switch e {
	case mapping.People:
		set.People = set.People[:len(set.People)-1]
	case mapping.Projects:
		set.Projects = set.Projects[:len(set.Projects)-1]
	case mapping.Groups:
		set.Groups = set.Groups[:len(set.Groups)-1]
	case mapping.JobTitles:
		set.JobTitles = set.JobTitles[:len(set.JobTitles)-1]
	}
}

// truncate drops the entity's records (its one source held nothing new).
func truncate(set *ingest.Set, e mapping.Entity) {
	switch e {
	case mapping.People:
		set.People = set.People[:0]
	case mapping.Projects:
		set.Projects = set.Projects[:0]
	case mapping.Groups:
		set.Groups = set.Groups[:0]
	case mapping.JobTitles:
		set.JobTitles = set.JobTitles[:0]
	}
}

// oneLine puts a plan summary on one line: "replace into acme: people: 3
// new, ...; projects: ...".
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	if len(lines) == 1 {
		return lines[0]
	}
	return lines[0] + " " + strings.Join(lines[1:], "; ")
}

func joinHolds(h []string) string { return strings.Join(h, "; ") }
