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
	"strings"
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

func (g *generator) reference() {
	for _, rg := range regions {
		g.ds.Groups = append(g.ds.Groups, planning.Group{
			Name:     rg.name,
			Code:     rg.code,
			Timezone: rg.tz,
			Color:    rg.color,
			Address: planning.Address{
				Address1: rg.address1, City: rg.city, State: rg.state, PostalCode: rg.zip, Country: "US",
			},
			ContactName:  rg.contact,
			ContactPhone: "+1" + rg.areaCodes[0] + "5550100",
			ContactEmail: strings.ToLower(strings.ReplaceAll(rg.name, " ", "")) + "@" + emailDomain,
		})
	}
	for _, t := range titles {
		jt := planning.JobTitle{
			Name:       t.name,
			Code:       t.code,
			GroupCodes: slices.Clone(t.groups),
			Global:     t.groups == nil,
			Color:      t.color,
			PayType:    planning.PayHourly,
			HourlyRate: money(t.rateCents),
		}
		if t.salaried {
			jt.PayType = planning.PaySalaried
		}
		g.ds.JobTitles = append(g.ds.JobTitles, jt)
	}
	for _, t := range tags {
		tg := planning.Tag{
			Name:           t.name,
			Abbreviation:   t.abbr,
			Code:           t.code,
			GroupCodes:     slices.Clone(t.groups),
			Global:         t.groups == nil,
			RequiresExpiry: t.expiry,
			Color:          t.color,
			Categories:     slices.Clone(t.categories),
		}
		if t.expiry {
			tg.ExpiryWarningDays = ptr(t.warnDays)
		}
		g.ds.Tags = append(g.ds.Tags, tg)
	}
}

func titleSpecOf(code string) titleSpec {
	for _, t := range titles {
		if t.code == code {
			return t
		}
	}
	panic("demo: unknown job title " + code)
}

// pickTitle chooses a job title available in group by the titles' weights.
func (g *generator) pickTitle(group string) titleSpec {
	n := g.r.IntN(100)
	for _, t := range titles {
		if t.trade {
			continue
		}
		if n < t.weight {
			return t
		}
		n -= t.weight
	}
	var trades []titleSpec
	for _, t := range titles {
		if t.trade && slices.Contains(t.groups, group) {
			trades = append(trades, t)
		}
	}
	return pick(g, trades)
}

// asciiLower lower-cases a name and keeps only its letters, without accents, for use
// in an email address.
func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'á', 'à', 'ä', 'â':
			r = 'a'
		case 'é', 'è', 'ë', 'ê':
			r = 'e'
		case 'í', 'ì', 'ï', 'î':
			r = 'i'
		case 'ó', 'ò', 'ö', 'ô':
			r = 'o'
		case 'ú', 'ù', 'ü', 'û':
			r = 'u'
		case 'ñ':
			r = 'n'
		}
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (g *generator) email(first, last string) string {
	base := asciiLower(first) + "." + asciiLower(last)
	e := base + "@" + emailDomain
	for n := 2; g.emails[e]; n++ {
		e = fmt.Sprintf("%s%d@%s", base, n, emailDomain)
	}
	g.emails[e] = true
	return e
}

func (g *generator) address(rg *region) planning.Address {
	c := pick(g, rg.cities)
	a := planning.Address{
		Address1:   fmt.Sprintf("%d %s", g.between(100, 9899), pick(g, streets)),
		City:       c.name,
		State:      c.state,
		PostalCode: c.zip,
		Country:    "US",
	}
	if g.pct(12) {
		a.Address2 = fmt.Sprintf("Apt %d", g.between(1, 40)*10+g.between(1, 4))
	}
	return a
}

// tagChance is the percent chance that a person with job title title holds tag.
func tagChance(tag, title string) int {
	lead := title == "FOR" || title == "SUP" || title == "PM" || title == "SAFE"
	switch tag {
	case "OSHA10":
		if lead {
			return 40
		}
		return 75
	case "OSHA30":
		if lead {
			return 90
		}
		return 8
	case "CPR":
		if title == "SAFE" || title == "FOR" {
			return 95
		}
		return 35
	case "FORKLIFT":
		if title == "OPR" {
			return 80
		}
		if title == "LAB" || title == "APP" {
			return 25
		}
		return 10
	case "CRANE":
		if title == "OPR" {
			return 45
		}
		return 0
	case "CONFINED":
		return 15
	case "FALLPROT":
		if title == "IW" || title == "CARP" {
			return 85
		}
		return 35
	case "ELECLIC":
		if title == "ELEC" {
			return 80
		}
		return 0
	case "WELD":
		if title == "IW" {
			return 65
		}
		if title == "JRN" {
			return 10
		}
		return 0
	case "BILINGUAL":
		return 25
	}
	return 0
}

// expiry returns a tag expiry date: mostly well ahead, some soon, some past.
func (g *generator) expiry() planning.Date {
	switch n := g.r.IntN(100); {
	case n < 8:
		return g.today.AddDays(-g.between(1, 150)) // expired
	case n < 20:
		return g.today.AddDays(g.between(0, 45)) // expiring soon
	default:
		return g.today.AddDays(g.between(46, 1000))
	}
}

func (g *generator) people() {
	codes := make([]string, len(regions))
	counts := make([]int, len(regions))
	for i, rg := range regions {
		codes[i], counts[i] = rg.code, rg.people
	}
	firstGroups := shuffled(g, codes, counts)
	phoneSeq := map[string]int{} // next mobile number per group (lookups only)

	for i, gc := range firstGroups {
		rg := regionOf(gc)
		t := g.pickTitle(gc)
		groupCodes := []string{gc}
		if t.groups == nil && (t.code == "SUP" || t.code == "PM" || t.code == "SAFE") && g.pct(20) {
			// Some managers cover a neighbouring office too.
			groupCodes = append(groupCodes, regions[(slices.IndexFunc(regions, func(r region) bool { return r.code == gc })+1)%len(regions)].code)
		}

		female := g.pct(12)
		first := pick(g, maleFirstNames)
		gender := "Male"
		if female {
			first, gender = pick(g, femaleFirstNames), "Female"
		}
		if g.pct(4) {
			gender = ""
		}
		last := pick(g, lastNames)

		p := planning.Person{
			FirstName:    first,
			LastName:     last,
			Status:       planning.StatusActive,
			GroupCodes:   groupCodes,
			EmployeeID:   fmt.Sprintf("E%05d", i+1),
			IsAssignable: t.code != "SAFE",
			IsUser:       !t.field || t.code == "FOR",
			JobTitle:     t.code,
			Gender:       gender,
			Address:      g.address(rg),
		}
		if g.pct(5) {
			p.Status = planning.StatusInactive
		}
		if p.IsUser || g.pct(85) {
			p.Email = g.email(first, last)
			p.CanReceiveEmail = true
		}
		if p.IsUser || g.pct(95) {
			n := phoneSeq[gc]
			phoneSeq[gc] = n + 1
			p.MobilePhone = fmt.Sprintf("+1%s55501%02d", rg.areaCodes[n/99], n%99+1)
			p.CanReceiveSMS = g.pct(90)
		}

		// Wage: the title's rate, give or take a few dollars by experience.
		p.HourlyWage = money(t.rateCents + 25*g.between(-8, 16))

		age := g.between(19, 64)
		p.DateOfBirth = g.today.AddDays(-(age*365 + g.r.IntN(365)))
		maxTenure := min((age-18)*365, 30*365)
		p.HiredDate = g.today.AddDays(-g.between(14, max(maxTenure, 30)))
		if p.HiredDate.Before(p.DateOfBirth.AddDays(18 * 365)) {
			p.HiredDate = p.DateOfBirth.AddDays(18*365 + 1)
		}

		if g.pct(40) {
			u := rg.unions
			p.Union = u[g.r.IntN(len(u))]
		}
		if g.pct(70) {
			rel := pick(g, relations)
			ecFirst := pick(g, femaleFirstNames)
			if female || g.pct(30) {
				ecFirst = pick(g, maleFirstNames)
			}
			p.EmergencyContactName = ecFirst + " " + last
			p.EmergencyContactRelation = rel
			p.EmergencyContactPhone = fmt.Sprintf("+1%s55501%02d", rg.emergencyArea, g.between(0, 99))
		}

		for _, tg := range tags {
			if !inAll(tg.groups, groupCodes) || !g.pct(tagChance(tg.code, t.code)) {
				continue
			}
			pt := planning.PersonTag{Code: tg.code}
			if tg.expiry {
				pt.Expires = g.expiry()
			}
			p.Tags = append(p.Tags, pt)
		}

		p.Custom = planning.CustomFields{"shirt_size": pick(g, shirtSizes)}
		if t.field && g.pct(60) {
			p.Custom["badge_number"] = fmt.Sprintf("B-%05d", 10000+i*7+g.r.IntN(7))
		}
		g.ds.People = append(g.ds.People, p)
	}
}

func (g *generator) projectName(rg *region, f facility) string {
	for {
		name := pick(g, rg.places) + " " + f.name
		if s := pick(g, projectSuffixes); s != "" && !f.noSuffix {
			name += " " + s
		}
		if !g.names[name] {
			g.names[name] = true
			return name
		}
	}
}

func (g *generator) categories(f facility) []planning.Category {
	specs := buildingCategories
	if f.civil {
		specs = civilCategories
	}
	idx := g.r.Perm(len(specs))[:g.between(2, min(4, len(specs)))]
	slices.Sort(idx)
	var cats []planning.Category
	for _, i := range idx {
		cats = append(cats, planning.Category{Name: specs[i].name, Subcategories: slices.Clone(specs[i].subs)})
	}
	return cats
}

func (g *generator) projects() {
	codes := make([]string, len(regions))
	counts := make([]int, len(regions))
	for i, rg := range regions {
		codes[i], counts[i] = rg.code, rg.projects
	}
	groups := shuffled(g, codes, counts)
	statuses := shuffled(g,
		[]planning.Status{planning.StatusActive, planning.StatusPending, planning.StatusInactive},
		[]int{44, 8, 8})
	seq := map[string]int{} // next project number per group (lookups only)

	for i, gc := range groups {
		rg := regionOf(gc)
		f := pick(g, facilities)
		seq[gc]++
		p := planning.Project{
			Name:          g.projectName(rg, f),
			Status:        statuses[i],
			GroupCodes:    []string{gc},
			ProjectNumber: fmt.Sprintf("%s-%03d", gc, 100+seq[gc]),
			Timezone:      rg.tz,
			Address:       g.address(rg),
			CustomerName:  pick(g, f.customers),
			ProjectType:   f.projectType,
			BidRate:       money(6800 + 25*g.between(0, 112)),
			Color:         pick(g, projectColors),
		}
		p.Address.Address2 = ""
		switch {
		case gc == "AZ" && g.pct(60):
			p.DailyStartTime, p.DailyEndTime = tod(6, 0), tod(14, 30) // beat the heat
		case g.pct(30):
			p.DailyStartTime, p.DailyEndTime = tod(7, 0), tod(15, 30)
		default:
			p.DailyStartTime, p.DailyEndTime = tod(7, 30), tod(16, 0)
		}

		switch p.Status {
		case planning.StatusActive:
			if g.pct(10) {
				p.StartDate = g.today.AddDays(g.between(1, 21)) // mobilizing
				p.Stage = "Mobilization"
			} else {
				p.StartDate = g.today.AddDays(-g.between(30, 540))
				p.Stage = "Construction"
			}
			p.PlannedEndDate = g.today.AddDays(g.between(45, 540))
			total := daysBetween(p.StartDate, p.PlannedEndDate)
			done := max(0, daysBetween(p.StartDate, g.today))
			pc := min(99, done*100/total)
			p.PercentComplete = &pc
			if pc >= 85 {
				p.Stage = "Closeout"
			}
		case planning.StatusPending:
			p.PercentComplete = ptr(0)
			if g.pct(25) {
				p.Stage = "Bidding" // no dates yet
			} else {
				p.Stage = pick(g, []string{"Preconstruction", "Awarded"})
				p.StartDate = g.today.AddDays(g.between(30, 180))
				p.PlannedEndDate = p.StartDate.AddDays(g.between(180, 720))
			}
		case planning.StatusInactive:
			p.PercentComplete = ptr(100)
			p.Stage = pick(g, []string{"Complete", "Warranty"})
			p.PlannedEndDate = g.today.AddDays(-g.between(20, 400))
			p.StartDate = p.PlannedEndDate.AddDays(-g.between(120, 600))
			p.ClosedDate = minDate(p.PlannedEndDate.AddDays(g.between(0, 30)), g.today.AddDays(-1))
		}

		if g.pct(75) {
			p.Categories = g.categories(f)
		}
		if g.pct(35) {
			p.Tags = []string{"OSHA10"}
			if g.pct(50) {
				p.Tags = append(p.Tags, "FALLPROT")
			}
			if (f.civil || f.projectType == "Industrial") && g.pct(40) {
				p.Tags = append(p.Tags, "CONFINED")
			}
		}
		p.Custom = planning.CustomFields{"contract_type": pick(g, contractTypes)}
		if f.public && g.pct(60) {
			p.Custom["prevailing_wage"] = "Y"
			for _, w := range []struct {
				code string
				add  int
			}{{"APP", 450}, {"LAB", 650}, {"JRN", 800}} {
				p.WageOverrides = append(p.WageOverrides, planning.WageOverride{
					JobTitle: w.code, Rate: *money(titleSpecOf(w.code).rateCents + w.add),
				})
			}
		}
		g.ds.Projects = append(g.ds.Projects, p)
	}
}

// roles gives each active or pending project a project manager and a superintendent
// from its group, when the group has any.
func (g *generator) roles() {
	for _, pr := range g.ds.Projects {
		if pr.Status == planning.StatusInactive {
			continue
		}
		for _, title := range []string{"PM", "SUP"} {
			var cands []string
			for _, p := range g.ds.People {
				if p.Status == planning.StatusActive && p.JobTitle == title && inAll(p.GroupCodes, pr.GroupCodes) {
					cands = append(cands, p.EmployeeID)
				}
			}
			if len(cands) == 0 {
				continue
			}
			g.ds.ProjectRoles = append(g.ds.ProjectRoles, ProjectRole{
				ProjectNumber: pr.ProjectNumber, EmployeeID: pick(g, cands), JobTitle: title,
			})
		}
	}
}

// horizon is the last day assignments reach: the Friday of the 18th week from now
// (about four months).
func (g *generator) horizon() planning.Date { return g.week.AddDays(17*7 + 4) }

func (g *generator) assignments() {
	horizon := g.horizon()
	earliest := g.week.AddDays(-4 * 7)
	// Active projects that run at some point between earliest and horizon, by group.
	var open []int
	for j, pr := range g.ds.Projects {
		if pr.Status == planning.StatusActive && !pr.StartDate.After(horizon) && !pr.PlannedEndDate.Before(earliest) {
			open = append(open, j)
		}
	}
	mon, tue, wed, thu, fri, sat := time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday

	for _, p := range g.ds.People {
		if p.Status != planning.StatusActive || !p.IsAssignable {
			continue
		}
		var cands []int
		for _, j := range open {
			if slices.Contains(p.GroupCodes, g.ds.Projects[j].GroupCodes[0]) {
				cands = append(cands, j)
			}
		}
		if len(cands) == 0 {
			continue
		}
		t := titleSpecOf(p.JobTitle)
		n := 1
		if g.pct(50) {
			n = 2
		}
		cursor := g.week.AddDays(7 * g.between(-4, 1)) // a Monday
		prev := -1
		for range n {
			if cursor.After(horizon) {
				break
			}
			j := pick(g, cands)
			if j == prev && len(cands) > 1 {
				j = cands[(slices.Index(cands, j)+1)%len(cands)]
			}
			pr := g.ds.Projects[j]
			weeks := g.between(3, 10)
			start := maxDate(cursor, pr.StartDate)
			end := minDate(minDate(cursor.AddDays(weeks*7-3), pr.PlannedEndDate), horizon)
			cursor = cursor.AddDays(weeks * 7)
			if end.Before(start) {
				continue
			}
			prev = j
			a := Assignment{
				EmployeeID:    p.EmployeeID,
				ProjectNumber: pr.ProjectNumber,
				Assignment: planning.Assignment{
					StartDay: start,
					EndDay:   end,
					WorkDays: planning.Weekdays,
					Status:   planning.AssignmentConfirmed,
				},
			}
			if g.pct(15) {
				a.Status = planning.AssignmentTentative
			}
			switch {
			case p.JobTitle == "PM":
				a.PercentAllocated = ptr(pick(g, []int{25, 25, 50, 50, 100}))
			case p.JobTitle == "SUP":
				a.PercentAllocated = ptr(pick(g, []int{50, 100, 100}))
			case t.field && g.pct(15):
				a.PercentAllocated = ptr(100)
			case t.field && g.pct(8):
				// Four tens, Monday to Thursday.
				a.StartTime, a.EndTime = tod(6, 0), tod(16, 30)
				a.WorkDays = planning.WorkDays{}
				for _, d := range []time.Weekday{mon, tue, wed, thu} {
					a.WorkDays[d] = true
				}
			default:
				a.StartTime, a.EndTime = ptr(*pr.DailyStartTime), ptr(*pr.DailyEndTime)
				if g.pct(10) {
					for _, d := range []time.Weekday{mon, tue, wed, thu, fri, sat} {
						a.WorkDays[d] = true
					}
				}
			}
			if len(pr.Categories) > 0 && g.pct(70) {
				c := pick(g, pr.Categories)
				a.Category = c.Name
				if len(c.Subcategories) > 0 && g.pct(60) {
					a.Subcategory = pick(g, c.Subcategories)
				}
			}
			g.ds.Assignments = append(g.ds.Assignments, a)
		}
	}
}

func (g *generator) timeOff() {
	var active []int
	for i, p := range g.ds.People {
		if p.Status == planning.StatusActive {
			active = append(active, i)
		}
	}
	g.r.Shuffle(len(active), func(i, j int) { active[i], active[j] = active[j], active[i] })
	total := 0
	for _, k := range timeOffKinds {
		total += k.weight
	}
	for _, i := range active[:NumTimeOff] {
		n := g.r.IntN(total)
		var k timeOffKind
		for _, k = range timeOffKinds {
			if n < k.weight {
				break
			}
			n -= k.weight
		}
		// A Monday between two weeks ago and sixteen weeks ahead.
		monday := g.week.AddDays(7 * g.between(-2, 16))
		var start, end planning.Date
		switch {
		case k.weekend:
			start = monday.AddDays(5)
			end = start.AddDays(1)
		case k.repeat == "weekly":
			start = monday.AddDays(k.dayOfWk - 1)
			end = start
		default:
			days := g.between(k.minDays, k.maxDays)
			start = monday
			if !k.startMon {
				start = monday.AddDays(g.r.IntN(5))
			}
			// Count weekdays: days-1 weekdays after start, skipping weekends.
			end = start
			for left := days - 1; left > 0; {
				end = end.AddDays(1)
				if wd := end.Time().Weekday(); wd != time.Saturday && wd != time.Sunday {
					left--
				}
			}
		}
		g.ds.TimeOff = append(g.ds.TimeOff, TimeOff{
			EmployeeID: g.ds.People[i].EmployeeID,
			TimeOff: planning.TimeOff{
				StartDay: start,
				EndDay:   end,
				Paid:     k.paid,
				Reason:   k.reason,
				Repeat:   planning.Repeat(k.repeat),
			},
		})
	}
}

func (g *generator) requests() {
	var open []int
	for j, pr := range g.ds.Projects {
		if pr.Status != planning.StatusInactive && !pr.StartDate.IsZero() {
			open = append(open, j)
		}
	}
	want := []string{"LAB", "LAB", "APP", "JRN", "JRN", "FOR", "OPR", "TRADE", "TRADE", "TRADE"}
	for len(g.ds.ResourceRequests) < NumResourceRequests {
		pr := g.ds.Projects[pick(g, open)]
		gc := pr.GroupCodes[0]
		code := pick(g, want)
		if code == "TRADE" {
			code = g.pickTradeIn(gc)
		}
		start := maxDate(pr.StartDate, g.week.AddDays(7*g.between(1, 10)))
		end := start.AddDays(7*g.between(2, 12) - 3)
		if !pr.PlannedEndDate.IsZero() {
			end = minDate(end, pr.PlannedEndDate)
		}
		if end.Before(start) {
			continue
		}
		rr := ResourceRequest{
			ProjectNumber: pr.ProjectNumber,
			ResourceRequest: planning.ResourceRequest{
				JobTitle: code,
				Quantity: pick(g, []int{1, 1, 1, 2, 2, 3, 4, 6}),
				StartDay: start,
				EndDay:   end,
			},
		}
		switch code {
		case "OPR":
			if g.pct(50) {
				rr.Tags = append(rr.Tags, "CRANE")
			}
		case "ELEC":
			rr.Tags = append(rr.Tags, "ELECLIC")
		case "IW":
			rr.Tags = append(rr.Tags, "FALLPROT")
		}
		if g.pct(50) {
			rr.Tags = append(rr.Tags, "OSHA10")
		}
		g.ds.ResourceRequests = append(g.ds.ResourceRequests, rr)
	}
}

func (g *generator) pickTradeIn(group string) string {
	var trades []string
	for _, t := range titles {
		if t.trade && slices.Contains(t.groups, group) {
			trades = append(trades, t.code)
		}
	}
	return pick(g, trades)
}

// normalize puts every record in the form the store keeps, so that storing the data
// set again finds nothing changed.
func (g *generator) normalize() {
	ds := g.ds
	for i := range ds.Groups {
		ds.Groups[i].Normalize()
	}
	for i := range ds.JobTitles {
		ds.JobTitles[i].Normalize()
	}
	for i := range ds.Tags {
		ds.Tags[i].Normalize()
	}
	for i := range ds.People {
		ds.People[i].Normalize()
	}
	for i := range ds.Projects {
		ds.Projects[i].Normalize()
	}
	for i := range ds.Assignments {
		ds.Assignments[i].Normalize()
	}
	for i := range ds.TimeOff {
		ds.TimeOff[i].Normalize()
	}
	for i := range ds.ResourceRequests {
		ds.ResourceRequests[i].Normalize()
	}
}
