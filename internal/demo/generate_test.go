package demo

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

var testToday = planning.NewDate(2026, time.March, 11) // a Wednesday

// todays are days of different weekdays, month and year ends and a leap day.
var todays = []planning.Date{
	testToday,
	planning.NewDate(2026, time.March, 9),  // Monday
	planning.NewDate(2026, time.March, 15), // Sunday
	planning.NewDate(2026, time.December, 31),
	planning.NewDate(2028, time.February, 29),
	planning.NewDate(2031, time.July, 4),
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(testToday), Generate(testToday)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two Generate calls for the same day differ")
	}
	if a.Today != testToday {
		t.Errorf("Today = %s, want %s", a.Today, testToday)
	}
}

// shift moves every date in ds by n days.
func shift(ds *Dataset, n int) {
	mv := func(d *planning.Date) {
		if !d.IsZero() {
			*d = d.AddDays(n)
		}
	}
	mv(&ds.Today)
	for i := range ds.People {
		p := &ds.People[i]
		mv(&p.HiredDate)
		mv(&p.DateOfBirth)
		for j := range p.Tags {
			mv(&p.Tags[j].Expires)
		}
	}
	for i := range ds.Projects {
		p := &ds.Projects[i]
		mv(&p.StartDate)
		mv(&p.PlannedEndDate)
		mv(&p.ClosedDate)
	}
	for i := range ds.Assignments {
		mv(&ds.Assignments[i].StartDay)
		mv(&ds.Assignments[i].EndDay)
	}
	for i := range ds.TimeOff {
		mv(&ds.TimeOff[i].StartDay)
		mv(&ds.TimeOff[i].EndDay)
	}
	for i := range ds.ResourceRequests {
		mv(&ds.ResourceRequests[i].StartDay)
		mv(&ds.ResourceRequests[i].EndDay)
	}
}

func TestGenerateShiftsDatesWithToday(t *testing.T) {
	// Four weeks later (same weekday): the same data with every date four weeks later.
	a, b := Generate(testToday), Generate(testToday.AddDays(28))
	if reflect.DeepEqual(a, b) {
		t.Fatal("Generate gave the same data for two different days")
	}
	shift(a, 28)
	if !reflect.DeepEqual(a, b) {
		for i := range a.People {
			if !reflect.DeepEqual(a.People[i], b.People[i]) {
				t.Fatalf("person %d: shifted %+v\nwant %+v", i, a.People[i], b.People[i])
			}
		}
		t.Fatal("Generate(today+28) is not Generate(today) with every date moved by 28 days")
	}

	// Another weekday: people and projects are the same, their dates move by the gap.
	base, c := Generate(testToday), Generate(testToday.AddDays(3))
	for i := range c.People {
		p, q := base.People[i], c.People[i]
		if p.EmployeeID != q.EmployeeID || p.Name() != q.Name() || p.Email != q.Email {
			t.Fatalf("person %d is %s in one data set and %s in the other", i, p.Label(), q.Label())
		}
		if got := daysBetween(p.HiredDate, q.HiredDate); got != 3 {
			t.Fatalf("%s: hired date moved by %d days, want 3", p.Label(), got)
		}
	}
	for i := range c.Projects {
		p, q := base.Projects[i], c.Projects[i]
		if p.ProjectNumber != q.ProjectNumber || p.Name != q.Name {
			t.Fatalf("project %d is %s in one data set and %s in the other", i, p.Label(), q.Label())
		}
		if !p.StartDate.IsZero() && daysBetween(p.StartDate, q.StartDate) != 3 {
			t.Errorf("%s: start moved from %s to %s, want 3 days", p.Label(), p.StartDate, q.StartDate)
		}
	}
}

func TestGenerateCounts(t *testing.T) {
	ds := Generate(testToday)
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"groups", len(ds.Groups), 4},
		{"job titles", len(ds.JobTitles), 12},
		{"tags", len(ds.Tags), 10},
		{"people", len(ds.People), NumPeople},
		{"projects", len(ds.Projects), NumProjects},
		{"time off", len(ds.TimeOff), NumTimeOff},
		{"resource requests", len(ds.ResourceRequests), NumResourceRequests},
	} {
		if c.got != c.want {
			t.Errorf("%d %s, want %d", c.got, c.what, c.want)
		}
	}
	if NumPeople != 500 || NumProjects != 60 {
		t.Errorf("NumPeople, NumProjects = %d, %d; want 500, 60", NumPeople, NumProjects)
	}

	inactive, assignable, withAssignment := 0, 0, map[string]bool{}
	for _, a := range ds.Assignments {
		withAssignment[a.EmployeeID] = true
	}
	assigned := 0
	for _, p := range ds.People {
		switch {
		case p.Status == planning.StatusInactive:
			inactive++
		case p.IsAssignable:
			assignable++
			if withAssignment[p.EmployeeID] {
				assigned++
			}
		}
	}
	if inactive < 10 || inactive > 50 {
		t.Errorf("%d inactive people; want about 5%% of %d", inactive, len(ds.People))
	}
	if n := len(ds.Assignments); n < assignable || n > 2*assignable {
		t.Errorf("%d assignments for %d active assignable people; want 1 to 2 each", n, assignable)
	}
	if assigned < assignable*9/10 {
		t.Errorf("only %d of %d active assignable people have an assignment", assigned, assignable)
	}

	status := map[planning.Status]int{}
	for _, p := range ds.Projects {
		status[p.Status]++
	}
	if status[planning.StatusActive] != 44 || status[planning.StatusPending] != 8 || status[planning.StatusInactive] != 8 {
		t.Errorf("project statuses %v; want 44 active, 8 pending, 8 inactive", status)
	}
	zones := map[string]bool{}
	for _, g := range ds.Groups {
		zones[g.Timezone] = true
	}
	if len(zones) != 4 {
		t.Errorf("groups use %d time zones, want 4 different ones", len(zones))
	}
}

// validate returns one line per invalid record in ds. The schedule records get
// stand-in ids, since Load fills those.
func validate(ds *Dataset) []string {
	var bad []string
	check := func(r planning.Record) {
		if errs := r.Validate(); len(errs) > 0 {
			bad = append(bad, fmt.Sprintf("%s %s: %v", r.Kind(), r.Label(), errs))
		}
	}
	for i := range ds.Groups {
		check(&ds.Groups[i])
	}
	for i := range ds.JobTitles {
		check(&ds.JobTitles[i])
	}
	for i := range ds.Tags {
		check(&ds.Tags[i])
	}
	for i := range ds.People {
		check(&ds.People[i])
	}
	for i := range ds.Projects {
		check(&ds.Projects[i])
	}
	for _, a := range ds.Assignments {
		a.PersonID, a.ProjectID = "person-"+a.EmployeeID, "project-"+a.ProjectNumber
		check(&a.Assignment)
	}
	for _, to := range ds.TimeOff {
		to.PersonID = "person-" + to.EmployeeID
		check(&to.TimeOff)
	}
	for _, r := range ds.ResourceRequests {
		r.ProjectID = "project-" + r.ProjectNumber
		check(&r.ResourceRequest)
	}
	return bad
}

func TestGenerateValid(t *testing.T) {
	for _, today := range todays {
		ds := Generate(today)
		if bad := validate(ds); len(bad) > 0 {
			t.Errorf("today %s: %d invalid records, first: %s", today, len(bad), strings.Join(bad[:min(5, len(bad))], "\n"))
		}
		// Normalizing again changes nothing: the store will find the records as given.
		again := Generate(today)
		again.normalizeAll()
		if !reflect.DeepEqual(ds, again) {
			t.Errorf("today %s: Normalize changes generated records", today)
		}
	}
}

// normalizeAll normalizes every record of ds again.
func (ds *Dataset) normalizeAll() { (&generator{ds: ds}).normalize() }

func TestGenerateUnique(t *testing.T) {
	ds := Generate(testToday)
	unique := func(what string, values []string) {
		t.Helper()
		seen := map[string]bool{}
		for _, v := range values {
			if v == "" {
				continue
			}
			if seen[v] {
				t.Errorf("%s %q appears twice", what, v)
			}
			seen[v] = true
		}
	}
	var ids, emails, phones, numbers, names, groupCodes, titleCodes, tagCodes []string
	for _, p := range ds.People {
		ids = append(ids, p.EmployeeID)
		emails = append(emails, p.Email)
		phones = append(phones, p.MobilePhone)
	}
	for _, g := range ds.Groups {
		groupCodes = append(groupCodes, g.Code)
		phones = append(phones, g.ContactPhone) // office lines are no one's mobile
	}
	for _, p := range ds.People {
		if p.EmergencyContactPhone != "" && slices.Contains(phones, p.EmergencyContactPhone) {
			t.Errorf("%s: emergency contact phone %s is also someone's mobile", p.Label(), p.EmergencyContactPhone)
		}
	}
	for _, p := range ds.Projects {
		numbers = append(numbers, p.ProjectNumber)
		names = append(names, p.Name)
	}
	for _, j := range ds.JobTitles {
		titleCodes = append(titleCodes, j.Code)
	}
	for _, tg := range ds.Tags {
		tagCodes = append(tagCodes, tg.Code)
	}
	unique("employee id", ids)
	unique("email", emails)
	unique("phone", phones)
	unique("project number", numbers)
	unique("project name", names)
	unique("group code", groupCodes)
	unique("job title code", titleCodes)
	unique("tag code", tagCodes)

	if ds.People[0].EmployeeID != "E00001" || ds.People[499].EmployeeID != "E00500" {
		t.Errorf("employee ids run %s..%s, want E00001..E00500", ds.People[0].EmployeeID, ds.People[499].EmployeeID)
	}
	withEmail, withPhone := 0, 0
	for _, p := range ds.People {
		if p.Email != "" {
			withEmail++
		}
		if p.MobilePhone != "" {
			withPhone++
		}
	}
	if withEmail < 400 || withPhone < 450 {
		t.Errorf("%d people with email, %d with a phone; want most", withEmail, withPhone)
	}
}

func TestGenerateReferences(t *testing.T) {
	for _, today := range todays {
		t.Run(today.String(), func(t *testing.T) { checkReferences(t, Generate(today)) })
	}
}

func checkReferences(t *testing.T, ds *Dataset) {
	groups := map[string]planning.Group{}
	for _, g := range ds.Groups {
		groups[g.Code] = g
	}
	titles := map[string]planning.JobTitle{}
	for _, j := range ds.JobTitles {
		for _, c := range j.GroupCodes {
			if _, ok := groups[c]; !ok {
				t.Errorf("job title %s: no group %q", j.Code, c)
			}
		}
		titles[j.Code] = j
	}
	tagsByCode := map[string]planning.Tag{}
	for _, tg := range ds.Tags {
		for _, c := range tg.GroupCodes {
			if _, ok := groups[c]; !ok {
				t.Errorf("tag %s: no group %q", tg.Code, c)
			}
		}
		tagsByCode[tg.Code] = tg
	}
	// available reports whether a title or tag with access (global, codes) may be used
	// by a record in every one of groups.
	available := func(global bool, codes, groups []string) bool {
		return global || inAll(codes, groups)
	}

	people := map[string]planning.Person{}
	for _, p := range ds.People {
		people[p.EmployeeID] = p
		for _, c := range p.GroupCodes {
			if _, ok := groups[c]; !ok {
				t.Errorf("%s: no group %q", p.Label(), c)
			}
		}
		jt, ok := titles[p.JobTitle]
		if !ok {
			t.Errorf("%s: no job title %q", p.Label(), p.JobTitle)
		} else if !available(jt.Global, jt.GroupCodes, p.GroupCodes) {
			t.Errorf("%s in %v: job title %s is not available there", p.Label(), p.GroupCodes, jt.Code)
		}
		for _, pt := range p.Tags {
			tg, ok := tagsByCode[pt.Code]
			switch {
			case !ok:
				t.Errorf("%s: no tag %q", p.Label(), pt.Code)
			case !available(tg.Global, tg.GroupCodes, p.GroupCodes):
				t.Errorf("%s in %v: tag %s is not available there", p.Label(), p.GroupCodes, tg.Code)
			case tg.RequiresExpiry && pt.Expires.IsZero():
				t.Errorf("%s: tag %s requires an expiry date", p.Label(), tg.Code)
			case !tg.RequiresExpiry && !pt.Expires.IsZero():
				t.Errorf("%s: tag %s has an expiry date but needs none", p.Label(), tg.Code)
			}
		}
	}

	projects := map[string]planning.Project{}
	for _, p := range ds.Projects {
		projects[p.ProjectNumber] = p
		if len(p.GroupCodes) == 0 {
			t.Errorf("%s: no group", p.Label())
			continue
		}
		g, ok := groups[p.GroupCodes[0]]
		if !ok {
			t.Errorf("%s: no group %q", p.Label(), p.GroupCodes[0])
		} else if p.Timezone != g.Timezone {
			t.Errorf("%s: time zone %s, its group's is %s", p.Label(), p.Timezone, g.Timezone)
		}
		for _, c := range p.Tags {
			if _, ok := tagsByCode[c]; !ok {
				t.Errorf("%s: no tag %q", p.Label(), c)
			}
		}
		for _, w := range p.WageOverrides {
			if _, ok := titles[w.JobTitle]; !ok {
				t.Errorf("%s: wage override for unknown job title %q", p.Label(), w.JobTitle)
			}
		}
		switch p.Status {
		case planning.StatusActive:
			if p.StartDate.After(ds.Today.AddDays(30)) || !p.PlannedEndDate.After(ds.Today) {
				t.Errorf("active %s runs %s to %s, not around %s", p.Label(), p.StartDate, p.PlannedEndDate, ds.Today)
			}
		case planning.StatusInactive:
			if !p.PlannedEndDate.Before(ds.Today) || p.ClosedDate.IsZero() || p.ClosedDate.After(ds.Today) {
				t.Errorf("inactive %s runs %s to %s, closed %s; want it over by %s", p.Label(), p.StartDate, p.PlannedEndDate, p.ClosedDate, ds.Today)
			}
		case planning.StatusPending:
			if !p.StartDate.IsZero() && !p.StartDate.After(ds.Today) {
				t.Errorf("pending %s starts %s, not after %s", p.Label(), p.StartDate, ds.Today)
			}
		}
	}

	for _, r := range ds.ProjectRoles {
		p, okP := people[r.EmployeeID]
		pr, okPr := projects[r.ProjectNumber]
		if !okP || !okPr {
			t.Errorf("role %+v: unknown person or project", r)
			continue
		}
		if p.JobTitle != r.JobTitle || p.Status != planning.StatusActive || pr.Status == planning.StatusInactive {
			t.Errorf("role %+v: %s (%s, %s) on %s (%s)", r, p.Label(), p.JobTitle, p.Status, pr.Label(), pr.Status)
		}
	}

	horizon := ds.Today.AddDays(7 * 19)
	kinds := map[string]int{}
	for i, a := range ds.Assignments {
		p, okP := people[a.EmployeeID]
		pr, okPr := projects[a.ProjectNumber]
		if !okP || !okPr {
			t.Errorf("assignment %d: unknown person %q or project %q", i, a.EmployeeID, a.ProjectNumber)
			continue
		}
		if a.PersonID != "" || a.ProjectID != "" {
			t.Errorf("assignment %d: ids set before Load: %q, %q", i, a.PersonID, a.ProjectID)
		}
		if p.Status != planning.StatusActive || !p.IsAssignable {
			t.Errorf("assignment %d: %s is %s, assignable %v", i, p.Label(), p.Status, p.IsAssignable)
		}
		if pr.Status != planning.StatusActive {
			t.Errorf("assignment %d: %s is %s", i, pr.Label(), pr.Status)
		}
		if !slices.Contains(p.GroupCodes, pr.GroupCodes[0]) {
			t.Errorf("assignment %d: %s (%v) on %s of another group", i, p.Label(), p.GroupCodes, pr.Label())
		}
		if a.StartDay.Before(pr.StartDate) || a.EndDay.After(pr.PlannedEndDate) || a.EndDay.Before(a.StartDay) {
			t.Errorf("assignment %d: %s to %s is outside %s (%s to %s)", i, a.StartDay, a.EndDay, pr.Label(), pr.StartDate, pr.PlannedEndDate)
		}
		if a.EndDay.After(horizon) || a.EndDay.Before(ds.Today.AddDays(-7*5)) {
			t.Errorf("assignment %d: %s to %s is not in the coming four months", i, a.StartDay, a.EndDay)
		}
		if a.Category != "" && !pr.HasCategory(a.Category, a.Subcategory) {
			t.Errorf("assignment %d: category %q/%q is not one of %s's", i, a.Category, a.Subcategory, pr.Label())
		}
		if len(pr.Categories) == 0 && a.Category != "" {
			t.Errorf("assignment %d: category on %s, which has none", i, pr.Label())
		}
		switch {
		case a.PercentAllocated != nil:
			kinds["percent"]++
		case a.StartTime != nil:
			kinds["hours"]++
		}
		if a.Status == planning.AssignmentTentative {
			kinds["tentative"]++
		}
		if a.Category != "" {
			kinds["category"]++
		}
		if a.WorkDays != planning.Weekdays {
			kinds["other days"]++
		}
	}
	for _, k := range []string{"percent", "hours", "tentative", "category", "other days"} {
		if kinds[k] == 0 {
			t.Errorf("no assignment with %s", k)
		}
	}

	for i, to := range ds.TimeOff {
		if _, ok := people[to.EmployeeID]; !ok {
			t.Errorf("time off %d: unknown person %q", i, to.EmployeeID)
		}
	}
	for i, r := range ds.ResourceRequests {
		pr, ok := projects[r.ProjectNumber]
		if !ok {
			t.Errorf("request %d: unknown project %q", i, r.ProjectNumber)
			continue
		}
		if pr.Status == planning.StatusInactive {
			t.Errorf("request %d: on inactive %s", i, pr.Label())
		}
		if r.StartDay.Before(pr.StartDate) || (!pr.PlannedEndDate.IsZero() && r.EndDay.After(pr.PlannedEndDate)) {
			t.Errorf("request %d: %s to %s is outside %s (%s to %s)", i, r.StartDay, r.EndDay, pr.Label(), pr.StartDate, pr.PlannedEndDate)
		}
		jt, ok := titles[r.JobTitle]
		if !ok {
			t.Errorf("request %d: unknown job title %q", i, r.JobTitle)
		} else if !available(jt.Global, jt.GroupCodes, pr.GroupCodes) {
			t.Errorf("request %d: job title %s not available in %s's group", i, jt.Code, pr.Label())
		}
		for _, c := range r.Tags {
			tg, ok := tagsByCode[c]
			if !ok {
				t.Errorf("request %d: unknown tag %q", i, c)
			} else if !available(tg.Global, tg.GroupCodes, pr.GroupCodes) {
				t.Errorf("request %d: tag %s not available in %s's group", i, c, pr.Label())
			}
		}
	}
}

// TestGenerateVariety checks that the data set shows what a demo should show.
func TestGenerateVariety(t *testing.T) {
	ds := Generate(testToday)
	expired, soon, custom, multiGroup, users := 0, 0, 0, 0, 0
	for _, p := range ds.People {
		for _, pt := range p.Tags {
			switch {
			case pt.Expires.IsZero():
			case pt.Expires.Before(ds.Today):
				expired++
			case !pt.Expires.After(ds.Today.AddDays(45)):
				soon++
			}
		}
		if p.Custom["shirt_size"] != "" {
			custom++
		}
		if len(p.GroupCodes) > 1 {
			multiGroup++
		}
		if p.IsUser {
			users++
		}
	}
	if expired == 0 || soon == 0 {
		t.Errorf("%d expired and %d soon-expiring tags; want some of each", expired, soon)
	}
	if custom != len(ds.People) || multiGroup == 0 || users == 0 {
		t.Errorf("custom fields on %d people, %d in several groups, %d users; want all, some, some", custom, multiGroup, users)
	}
	var global, perGroup, salaried, expiryTags int
	for _, j := range ds.JobTitles {
		if j.Global {
			global++
		} else {
			perGroup++
		}
		if j.PayType == planning.PaySalaried {
			salaried++
		}
		if j.HourlyRate == nil || !j.HourlyRate.IsPositive() {
			t.Errorf("job title %s has no hourly rate", j.Code)
		}
	}
	for _, tg := range ds.Tags {
		if tg.RequiresExpiry {
			expiryTags++
		}
		if len(tg.Categories) == 0 {
			t.Errorf("tag %s has no category", tg.Code)
		}
	}
	if global == 0 || perGroup == 0 || salaried == 0 || expiryTags == 0 || expiryTags == len(ds.Tags) {
		t.Errorf("%d global and %d per-group job titles, %d salaried, %d of %d tags with expiry", global, perGroup, salaried, expiryTags, len(ds.Tags))
	}
	var cats, subs, customers, pendingNoDate int
	for _, p := range ds.Projects {
		if len(p.Categories) > 0 {
			cats++
		}
		for _, c := range p.Categories {
			subs += len(c.Subcategories)
		}
		if p.CustomerName != "" && p.ProjectType != "" {
			customers++
		}
		if p.Status == planning.StatusPending && p.StartDate.IsZero() {
			pendingNoDate++
		}
	}
	if cats == 0 || subs == 0 || customers != len(ds.Projects) {
		t.Errorf("%d projects with categories, %d subcategories, %d with customer and type", cats, subs, customers)
	}
	repeats := map[planning.Repeat]int{}
	for _, to := range ds.TimeOff {
		repeats[to.Repeat]++
	}
	if repeats[planning.RepeatNever] == 0 || len(repeats) < 2 {
		t.Errorf("time off repeats %v; want mostly never, some repeating", repeats)
	}
	if len(ds.ProjectRoles) < 40 {
		t.Errorf("%d project roles; want a manager and superintendent on most open projects", len(ds.ProjectRoles))
	}
}
