package demo

import (
	"slices"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

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
