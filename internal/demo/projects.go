package demo

import (
	"fmt"
	"slices"

	"github.com/trestle-dev/trestle/internal/planning"
)

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
