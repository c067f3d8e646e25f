package quickconnect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/trestle-dev/trestle/internal/quickconnect/mapping"
	"github.com/trestle-dev/trestle/internal/quickconnect/source"
)

// Definition is a connection's YAML: its sources, which source feeds which
// entity, the mapping, the options and the schedule.
//
//	schedule: "06:00, 12:00, 18:00 America/Chicago"
//	sources:
//	  erp: {driver: postgres, dsn: "${ERP_DSN}"}
//	entities:
//	  people:   {source: erp, query: "SELECT * FROM employees", deactivate_missing: true}
//	  projects: {source: erp, query: "SELECT * FROM jobs"}
//	hold_above: 0.2
//	mapping:
//	  people: {fields: {employee_id: emp_no, first_name: first, ...}}
//	  projects: {...}
type Definition struct {
	// Schedule is when the connection runs (see ParseSchedule); empty: only
	// on demand.
	Schedule string `yaml:"schedule,omitempty"`
	// Sources are the systems of record, by name (package source's Config).
	Sources map[string]source.Config `yaml:"sources"`
	// Entities says which source feeds each entity (groups, job_titles,
	// people, projects) and how.
	Entities map[mapping.Entity]EntitySource `yaml:"entities"`
	// HoldAbove is the share of active people or projects a run may
	// deactivate before it is held (default 0.5).
	HoldAbove float64 `yaml:"hold_above,omitempty"`
	// Mapping is the field mapping (package mapping's format).
	Mapping yaml.Node `yaml:"mapping"`

	mapping  *mapping.Mapping
	schedule *Schedule
}

// EntitySource is where one entity's rows come from.
type EntitySource struct {
	// Source names an entry of Definition.Sources.
	Source string `yaml:"source"`
	// Query is the SELECT for a SQL source (it overrides the source's own).
	Query string `yaml:"query,omitempty"`
	// DeactivateMissing makes people or projects missing from the source
	// inactive (a snapshot); off: records are only created and updated.
	DeactivateMissing bool `yaml:"deactivate_missing,omitempty"`
}

// ParseDefinition reads and checks a connection's YAML; loc is the
// company's time zone (the schedule's default).
func ParseDefinition(data []byte, loc *time.Location) (*Definition, error) {
	var d Definition
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("connection definition: %v", err)
	}
	var errs []error
	if len(d.Entities) == 0 {
		errs = append(errs, errors.New("entities: name at least one of groups, job_titles, people, projects and its source"))
	}
	for name, cfg := range d.Sources {
		if err := cfg.Validate(); err != nil && !(cfg.Query == "" && strings.Contains(err.Error(), "query")) {
			errs = append(errs, fmt.Errorf("sources.%s: %w", name, err))
		}
	}
	for e, es := range d.Entities {
		if e.Kind() == "" {
			errs = append(errs, fmt.Errorf("entities.%s: not an entity; use groups, job_titles, people or projects", e))
			continue
		}
		src, ok := d.Sources[es.Source]
		if !ok {
			errs = append(errs, fmt.Errorf("entities.%s.source: %q is not one of the sources", e, es.Source))
			continue
		}
		if src.Driver != "" && src.Query == "" && es.Query == "" {
			errs = append(errs, fmt.Errorf("entities.%s.query: a SQL source needs a query for each entity", e))
		}
		if es.DeactivateMissing && e != mapping.People && e != mapping.Projects {
			errs = append(errs, fmt.Errorf("entities.%s.deactivate_missing: only people and projects can be deactivated", e))
		}
	}
	if d.Mapping.Kind == 0 {
		errs = append(errs, errors.New("mapping: is required (see docs/quickconnect.md)"))
	} else if m, err := mapping.ParseNode(&d.Mapping); err != nil {
		errs = append(errs, fmt.Errorf("mapping: %w", err))
	} else {
		d.mapping = m
		for e := range d.Entities {
			if e.Kind() != "" && !slices.Contains(m.Entities(), e) {
				errs = append(errs, fmt.Errorf("mapping: has no %s section, but entities.%s names a source for it", e, e))
			}
		}
	}
	if d.HoldAbove < 0 || d.HoldAbove > 1 {
		errs = append(errs, fmt.Errorf("hold_above: %v is not a share between 0 and 1", d.HoldAbove))
	}
	if d.Schedule != "" {
		s, err := ParseSchedule(d.Schedule, loc)
		if err != nil {
			errs = append(errs, err)
		} else {
			d.schedule = &s
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &d, nil
}

// MappingSpec is the parsed field mapping.
func (d *Definition) MappingSpec() *mapping.Mapping { return d.mapping }

// ScheduleSpec is the parsed schedule, nil when the connection runs only on
// demand.
func (d *Definition) ScheduleSpec() *Schedule { return d.schedule }

// entities lists the configured entities in application order.
func (d *Definition) entities() []mapping.Entity {
	var out []mapping.Entity
	for _, e := range []mapping.Entity{mapping.Groups, mapping.JobTitles, mapping.People, mapping.Projects} {
		if _, ok := d.Entities[e]; ok {
			out = append(out, e)
		}
	}
	return out
}

// sourceConfig is the source config an entity reads.
func (d *Definition) sourceConfig(e mapping.Entity) source.Config {
	es := d.Entities[e]
	cfg := d.Sources[es.Source]
	if es.Query != "" {
		cfg.Query = es.Query
	}
	return cfg
}

// Test opens each entity's source of a definition, reads its columns and
// checks them against the mapping, reading no rows. It returns one line per
// entity and an error when any failed.
func Test(ctx context.Context, definition string, secrets *source.Secrets) ([]string, error) {
	def, err := ParseDefinition([]byte(definition), time.UTC)
	if err != nil {
		return nil, err
	}
	var lines []string
	var errs []error
	for _, e := range def.entities() {
		src, err := source.Open(ctx, def.sourceConfig(e), source.Options{Secrets: secrets})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e, err))
			lines = append(lines, fmt.Sprintf("%s: FAILED: %v", e, err))
			continue
		}
		cols := src.Columns()
		err = def.mapping.CheckColumns(e, cols)
		desc := src.String()
		src.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e, err))
			lines = append(lines, fmt.Sprintf("%s: FAILED: %s: %v", e, desc, err))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s: ok: %s, %d columns", e, desc, len(cols)))
	}
	return lines, errors.Join(errs...)
}
