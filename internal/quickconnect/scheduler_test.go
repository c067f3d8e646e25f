package quickconnect

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/store"
)

const scheduledDef = `
schedule: "%s"
sources:
  hr: {path: /nonexistent/people.csv}
entities:
  people: {source: hr}
mapping:
  people:
    fields:
      employee_id: id
      first_name: first
      last_name: last
      group_codes: {value: KS}
`

func TestSchedulerFollowsConnections(t *testing.T) {
	st, c := newHub(t)
	ctx := context.Background()
	save := func(schedule string, enabled bool) store.QCConnection {
		conn, err := st.SaveQCConnection(ctx, store.QCConnection{CompanyID: c.ID, Name: "hr", Enabled: enabled,
			Definition: fmt.Sprintf(scheduledDef, schedule)}, store.Console("t"))
		if err != nil {
			t.Fatal(err)
		}
		return conn
	}
	conn := save("06:00, 18:30", true)
	sc, err := NewScheduler(st, SchedulerOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	sc.s.Start()
	defer sc.s.Shutdown()
	if err := sc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	chicago, _ := time.LoadLocation("America/Chicago")
	s, _ := ParseSchedule("06:00, 18:30", chicago)
	next := sc.NextRuns()[conn.ID]
	if len(next) != 2 {
		t.Fatalf("next runs = %v, want two jobs (06:00 and 18:30)", next)
	}
	want := s.Next(time.Now())
	if !next[0].Equal(want) && !next[1].Equal(want) {
		t.Errorf("next runs %v do not include %v", next, want)
	}
	// A changed schedule replaces the jobs; a disabled connection has none.
	save("cron: 0 7 * * 1-5", true)
	if err := sc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(sc.NextRuns()[conn.ID]); n != 1 {
		t.Fatalf("%d jobs after the change, want 1", n)
	}
	save("cron: 0 7 * * 1-5", false)
	if err := sc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(sc.NextRuns()[conn.ID]); n != 0 || len(sc.s.Jobs()) != 0 {
		t.Fatalf("a disabled connection still has %d jobs", n)
	}
}
