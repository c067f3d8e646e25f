// Package csvimport imports a set of CSV template files into a company: it
// reads them with package templates, plans and applies them with package
// ingest (one transaction, recorded in the change history with its source),
// and records the run in the store's import history. "trestle import" and
// the SFTP drop both come through here.
package csvimport

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/ingest"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/templates"
)

// Options say how to import.
type Options struct {
	// Mode is ingest.Merge (default) or ingest.Replace.
	Mode ingest.Mode
	// DryRun plans and reports without writing (the run is still recorded).
	DryRun bool
	// Force applies a plan that is held (too many deactivations, a
	// hub-managed company).
	Force bool
	// HoldAbove is the share of active people or projects a replace may
	// deactivate before it is held (ingest.DefaultHoldAbove when 0).
	HoldAbove float64
	// Source (planning.SourceImport, planning.SourceSFTP) and Actor go to the
	// change history and the import history.
	Source planning.Source
	Actor  string
	// MarkHubManaged marks the company hub-managed once the import is
	// applied: the hub is the source of truth from then on.
	MarkHubManaged bool
}

// Problem is one thing wrong with the files, in plain words, with its file,
// line and column where known.
type Problem = templates.Problem

// Report is the outcome of an import.
type Report struct {
	// Run is the import history entry, as recorded.
	Run store.ImportRun
	// Plan is what the import does (did, unless DryRun); nil when the files
	// are invalid.
	Plan *ingest.Plan
	// Problems lists what is wrong (at most MaxProblems); More counts the
	// rest.
	Problems []Problem
	More     int
}

// MaxProblems is how many problems a report lists.
const MaxProblems = 1000

// Import reads the template files at paths (named groups.csv, people.csv ...:
// the name says which template), and imports them into company. It returns
// an error only when it could not do its work (store unreachable, a file
// unreadable); invalid files, held plans and refused applies are outcomes
// in Report.Run.Status (store.ImportInvalid, ImportHeld, ImportFailed) with
// the reasons in Report.Problems and Run.Message.
func Import(ctx context.Context, st store.Store, company string, paths []string, o Options) (*Report, error) {
	files := make([]File, len(paths))
	for i, p := range paths {
		files[i] = File{Name: filepath.Base(p), Path: p}
	}
	return ImportFiles(ctx, st, company, files, o)
}

// File is a template file to import: its name (which says which template it
// is) and where it is on disk, which may differ (an SFTP upload waiting under
// another name).
type File struct {
	Name string
	Path string
}

// ImportFiles is Import for files named apart from their paths.
func ImportFiles(ctx context.Context, st store.Store, company string, given []File, o Options) (*Report, error) {
	c, err := st.Company(ctx, company)
	if err != nil {
		return nil, err
	}
	mode := cmp.Or(o.Mode, ingest.Merge)
	rep := &Report{Run: store.ImportRun{CompanyID: c.ID, Source: o.Source, Actor: o.Actor, Mode: string(mode),
		StartedAt: time.Now().UTC(), Status: store.ImportRunning}}
	files, problems := sortFiles(given)
	for _, f := range files {
		rep.Run.Files = append(rep.Run.Files, store.ImportFile{Name: f.name})
	}
	if rep.Run, err = st.RecordImport(ctx, rep.Run); err != nil {
		return nil, fmt.Errorf("record the import: %w", err)
	}
	set := &ingest.Set{}
	for i, f := range files {
		info, fileProblems, err := readFile(f, set)
		if err != nil {
			return rep, finish(ctx, st, rep, store.ImportFailed, err.Error())
		}
		rep.Run.Files[i] = info
		problems = append(problems, fileProblems...)
	}
	if len(files) == 0 && len(problems) == 0 {
		problems = append(problems, Problem{Message: "no template files to import; expected " + expected()})
	}
	var plan *ingest.Plan
	if set.Len() > 0 || len(problems) == 0 {
		plan, err = ingest.MakePlan(ctx, st, c.ID, set, ingest.Options{Mode: mode, Source: o.Source, Actor: o.Actor,
			HoldAbove: o.HoldAbove, DryRun: o.DryRun, Force: o.Force})
		var inv *ingest.InvalidError
		switch {
		case errors.As(err, &inv):
			for _, p := range inv.Problems {
				problems = append(problems, fromIngest(p))
			}
			rep.More += inv.Total - len(inv.Problems)
		case err != nil:
			return rep, finish(ctx, st, rep, store.ImportFailed, err.Error())
		}
	}
	if len(problems) > 0 || plan == nil {
		setProblems(rep, problems)
		return rep, finish(ctx, st, rep, store.ImportInvalid,
			fmt.Sprintf("%d %s; nothing was imported", len(rep.Problems)+rep.More, plural(len(rep.Problems)+rep.More, "problem", "problems")))
	}
	rep.Plan = plan
	rep.Run.Counts = counts(plan)
	switch {
	case o.DryRun:
		return rep, finish(ctx, st, rep, store.ImportDryRun, "dry run: "+oneLine(plan.Summary()))
	case plan.Held() && !o.Force:
		return rep, finish(ctx, st, rep, store.ImportHeld, "held, nothing was imported: "+strings.Join(plan.Holds, "; ")+
			"; check the files, then import again with --force to apply")
	case plan.Empty():
		return rep, finish(ctx, st, rep, store.ImportUnchanged, "nothing to change: the hub already holds these records")
	}
	if _, err := ingest.Apply(ctx, st, plan, ingest.ApplyOptions{Force: o.Force}); err != nil {
		return rep, finish(ctx, st, rep, store.ImportFailed, err.Error())
	}
	if o.MarkHubManaged && !c.HubManaged {
		if err := st.SetHubManaged(ctx, c.ID, true, store.Actor{Source: o.Source, Actor: o.Actor}); err != nil {
			return rep, finish(ctx, st, rep, store.ImportApplied, "applied, but the company could not be marked hub-managed: "+err.Error())
		}
	}
	return rep, finish(ctx, st, rep, store.ImportApplied, "applied: "+oneLine(plan.Summary()))
}

// finish records the run's outcome.
func finish(ctx context.Context, st store.Store, rep *Report, status, message string) error {
	rep.Run.Status, rep.Run.Message, rep.Run.FinishedAt = status, message, time.Now().UTC()
	rep.Run.Problems = len(rep.Problems) + rep.More
	run, err := st.RecordImport(context.WithoutCancel(ctx), rep.Run)
	if err != nil {
		return fmt.Errorf("record the import's outcome (%s): %w", status, err)
	}
	rep.Run = run
	return nil
}

// file is one template file to read.
type file struct {
	path, name string
	spec       *templates.Spec
}

// sortFiles names each path's template and puts them in application order;
// files that are not templates, or a template given twice, are problems.
func sortFiles(given []File) ([]file, []Problem) {
	var files []file
	var problems []Problem
	seen := map[string]string{}
	for _, g := range given {
		name, p := g.Name, g.Path
		spec, ok := templates.ForFile(name)
		if !ok {
			problems = append(problems, Problem{File: name, Message: "is not a template file; name the files " + expected()})
			continue
		}
		if prev, dup := seen[spec.Name]; dup {
			problems = append(problems, Problem{File: name, Message: fmt.Sprintf("%s is given twice (%s and %s)", spec.File(), prev, p)})
			continue
		}
		seen[spec.Name] = p
		files = append(files, file{path: p, name: name, spec: spec})
	}
	order := templates.Specs()
	slices.SortFunc(files, func(a, b file) int {
		return cmp.Compare(slices.Index(order, a.spec), slices.Index(order, b.spec))
	})
	return files, problems
}

func expected() string {
	var names []string
	for _, s := range templates.Specs() {
		names = append(names, s.File())
	}
	return strings.Join(names, ", ")
}

// readFile parses one file into set, hashing it on the way.
func readFile(f file, set *ingest.Set) (store.ImportFile, []Problem, error) {
	info := store.ImportFile{Name: f.name}
	r, err := os.Open(f.path)
	if err != nil {
		return info, nil, fmt.Errorf("open %s: %w", f.path, err)
	}
	defer r.Close()
	h := sha256.New()
	counted := &countWriter{w: h}
	tee := io.TeeReader(r, counted)
	var perr error
	switch f.spec.Name {
	case "groups":
		perr = read(templates.Groups, f.name, tee, &set.Groups, item)
	case "job_titles":
		perr = read(templates.JobTitles, f.name, tee, &set.JobTitles, item)
	case "tags":
		perr = read(templates.Tags, f.name, tee, &set.Tags, item)
	case "people":
		perr = read(templates.People, f.name, tee, &set.People, item)
	case "projects":
		perr = read(templates.Projects, f.name, tee, &set.Projects, item)
	case "assignments":
		perr = read(templates.Assignments, f.name, tee, &set.Assignments, assignment)
	default:
		return info, nil, fmt.Errorf("no reader for template %s", f.spec.Name)
	}
	if _, err := io.Copy(io.Discard, tee); err != nil { // the rest, for the checksum
		return info, nil, fmt.Errorf("read %s: %w", f.path, err)
	}
	info.Size, info.SHA256 = counted.n, hex.EncodeToString(h.Sum(nil))
	var fe *templates.FileError
	switch {
	case errors.As(perr, &fe):
		ps := append([]Problem(nil), fe.Problems...)
		if fe.More > 0 {
			ps = append(ps, Problem{File: f.name, Message: fmt.Sprintf("and %d more problems in this file", fe.More)})
		}
		return info, ps, nil
	case perr != nil:
		return info, []Problem{{File: f.name, Message: perr.Error()}}, nil
	}
	return info, nil, nil
}

// read streams one template's rows into items.
func read[T, I any](t *templates.Template[T], name string, r io.Reader, items *[]I, conv func(string, templates.Row[T]) I) error {
	rd := t.Parse(name, r)
	for row := range rd.Rows() {
		*items = append(*items, conv(name, row))
	}
	return rd.Err()
}

func item[T any](name string, row templates.Row[T]) ingest.Item[T] {
	return ingest.Item[T]{Value: row.Value, Origin: ingest.Origin{File: name, Line: row.Line}, AllGroups: row.AllGroups, Invalid: row.Invalid}
}

func assignment(name string, row templates.Row[planning.Assignment]) ingest.Item[ingest.Assignment] {
	return ingest.Item[ingest.Assignment]{
		Value:  ingest.Assignment{EmployeeID: row.EmployeeID, ProjectNumber: row.ProjectNumber, Assignment: row.Value},
		Origin: ingest.Origin{File: name, Line: row.Line}, Invalid: row.Invalid}
}

// fromIngest turns a plan problem into a file problem (the field is the
// template's column).
func fromIngest(p ingest.Problem) Problem {
	msg := p.Message
	if p.Key != "" {
		msg = fmt.Sprintf("%s %q: %s", p.Kind.Label(), p.Key, msg)
	}
	col, _, _ := strings.Cut(p.Field, "[")
	return Problem{File: p.Origin.File, Line: p.Origin.Line, Column: col, Message: msg}
}

// setProblems keeps the first MaxProblems problems, in file order.
func setProblems(rep *Report, ps []Problem) {
	order := templates.Specs()
	rank := func(name string) int {
		if s, ok := templates.ForFile(name); ok {
			return slices.Index(order, s)
		}
		return -1
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(rank(a.File), rank(b.File)), cmp.Compare(a.Line, b.Line))
	})
	if len(ps) > MaxProblems {
		rep.More += len(ps) - MaxProblems
		ps = ps[:MaxProblems]
	}
	rep.Problems = ps
}

// kindFiles names each kind as its template does.
var kindFiles = map[planning.Kind]string{planning.KindGroup: "groups", planning.KindJobTitle: "job_titles", planning.KindTag: "tags",
	planning.KindPerson: "people", planning.KindProject: "projects", planning.KindAssignment: "assignments"}

// counts turns a plan into the history's counts by kind.
func counts(p *ingest.Plan) map[string]store.ImportCounts {
	out := map[string]store.ImportCounts{}
	for _, k := range p.Kinds() {
		if k.Total()+k.Unchanged == 0 {
			continue
		}
		out[kindFiles[k.Kind]] = store.ImportCounts{Created: k.Creates, Updated: k.Updates, Deactivated: k.Deactivations, Unchanged: k.Unchanged}
	}
	return out
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", ";") }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
