// Package demo builds a realistic, made-up construction company for trying Trestle
// out: four regional offices, a dozen job titles, ten certifications, 500 people, 60
// projects and a few months of assignments, time off and open resource requests.
//
// Generate is pure and deterministic: the same day gives the same data, and every date
// is placed relative to that day, so a demo loaded today looks current. Load writes the
// data set into a store, creating the company when needed; loading again does not
// duplicate anything.
//
// All names, addresses, customers, email addresses (.example) and phone numbers
// (555-01xx) are fictional.
package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Sizes of the generated data set.
const (
	// NumPeople is the number of people Generate makes.
	NumPeople = 500
	// NumProjects is the number of projects Generate makes.
	NumProjects = 60
	// NumTimeOff is the number of time off entries Generate makes.
	NumTimeOff = 40
	// NumResourceRequests is the number of resource requests Generate makes.
	NumResourceRequests = 30
)

// The fixed seed of the generator's PCG source: the same on every run, so that
// Generate is deterministic.
const (
	seedHi uint64 = 0x74726573746c6521 // "trestle!"
	seedLo uint64 = 0x64656d6f2d763121 // "demo-v1!"
)

// Dataset is the demo company's data, ready to be stored. The reference data
// (groups, job titles, tags), people and projects are plain planning records that
// refer to each other by code. Assignments, time off, resource requests and project
// roles refer to people and projects by external key (employee id, project number),
// because their store ids only exist once the people and projects are stored; their
// PersonID and ProjectID fields are empty until Load fills them.
//
// Every record is already normalized (Normalize changes nothing) and valid.
type Dataset struct {
	// Today is the day the data set was generated for.
	Today            planning.Date
	Groups           []planning.Group
	JobTitles        []planning.JobTitle
	Tags             []planning.Tag
	People           []planning.Person
	Projects         []planning.Project
	ProjectRoles     []ProjectRole
	Assignments      []Assignment
	TimeOff          []TimeOff
	ResourceRequests []ResourceRequest
}

// Assignment is a planning.Assignment whose person and project are named by employee
// id and project number.
type Assignment struct {
	EmployeeID    string `json:"employee_id"`
	ProjectNumber string `json:"project_number"`
	planning.Assignment
}

// TimeOff is a planning.TimeOff whose person is named by employee id.
type TimeOff struct {
	EmployeeID string `json:"employee_id"`
	planning.TimeOff
}

// ResourceRequest is a planning.ResourceRequest whose project is named by project
// number.
type ResourceRequest struct {
	ProjectNumber string `json:"project_number"`
	planning.ResourceRequest
}

// ProjectRole names a person's role (project manager, superintendent) on a project by
// employee id and project number; Load turns it into a planning.ProjectRole on the
// project.
type ProjectRole struct {
	ProjectNumber string `json:"project_number"`
	EmployeeID    string `json:"employee_id"`
	JobTitle      string `json:"job_title"` // job title code
}

// Generate builds the demo data set with every date placed relative to today. It does
// no I/O, and the same today always gives the same data set. Days that fall on the
// same weekday give the same data with every date moved by the difference.
func Generate(today planning.Date) *Dataset {
	g := &generator{
		r:     rand.New(rand.NewPCG(seedHi, seedLo)),
		today: today,
		// Monday of the current week: assignments are laid out in whole weeks.
		week:   today.AddDays(-((int(today.Time().Weekday()) + 6) % 7)),
		ds:     &Dataset{Today: today},
		emails: map[string]bool{},
		names:  map[string]bool{},
	}
	g.reference()
	g.people()
	g.projects()
	g.roles()
	g.assignments()
	g.timeOff()
	g.requests()
	g.normalize()
	return g.ds
}

type generator struct {
	r      *rand.Rand
	today  planning.Date
	week   planning.Date // Monday of today's week
	ds     *Dataset
	emails map[string]bool // emails handed out (lookups only, never iterated)
	names  map[string]bool // project names handed out
}

// pct reports true with probability p percent.
func (g *generator) pct(p int) bool { return g.r.IntN(100) < p }

// between returns an int in [lo, hi].
func (g *generator) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func pick[T any](g *generator, list []T) T { return list[g.r.IntN(len(list))] }

// shuffled returns the values, each repeated its count times, in random order.
func shuffled[T any](g *generator, values []T, counts []int) []T {
	var out []T
	for i, v := range values {
		for range counts[i] {
			out = append(out, v)
		}
	}
	g.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func money(cents int) *planning.Decimal {
	return planning.DecimalPtr(fmt.Sprintf("%d.%02d", cents/100, cents%100))
}

func tod(h, m int) *planning.TimeOfDay {
	t := planning.TimeOfDay(h*60 + m)
	return &t
}

func ptr[T any](v T) *T { return &v }

func minDate(a, b planning.Date) planning.Date {
	if b.Before(a) {
		return b
	}
	return a
}

func maxDate(a, b planning.Date) planning.Date {
	if b.After(a) {
		return b
	}
	return a
}

func daysBetween(from, to planning.Date) int {
	return int(to.Time().Sub(from.Time()) / (24 * time.Hour))
}

func regionOf(code string) *region {
	for i := range regions {
		if regions[i].code == code {
			return &regions[i]
		}
	}
	panic("demo: unknown region " + code)
}

// inAll reports whether every code is in allowed; a nil allowed list means all.
func inAll(allowed, codes []string) bool {
	if allowed == nil {
		return true
	}
	for _, c := range codes {
		if !slices.Contains(allowed, c) {
			return false
		}
	}
	return true
}
