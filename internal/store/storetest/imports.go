package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

func checksum(content string) string {
	h := sha256.Sum256([]byte(content))
	return hex.EncodeToString(h[:])
}

func runIDs(runs []store.ImportRun) []string {
	var out []string
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}

func testImportRuns(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := newCompany(t, st), newCompany(t, st)
	people, projects, other := checksum("people"), checksum("projects"), checksum("other")
	record := func(r store.ImportRun) store.ImportRun {
		t.Helper()
		got, err := st.RecordImport(ctx, r)
		must(t, err)
		return got
	}
	imports := func(c planning.Company, limit int) []store.ImportRun {
		t.Helper()
		runs, err := st.Imports(ctx, c.ID, limit)
		must(t, err)
		return runs
	}
	ofFile := func(c planning.Company, sha string) []string {
		t.Helper()
		runs, err := st.ImportsOfFile(ctx, c.ID, sha)
		must(t, err)
		return runIDs(runs)
	}

	// A new run gets an id and its start; "" is merge; checksums are lower case.
	before := time.Now().Add(-time.Second)
	run := record(store.ImportRun{CompanyID: a.Slug, Source: planning.SourceSFTP, Actor: "drop-acme", Status: store.ImportRunning,
		Files: []store.ImportFile{{Name: " people.csv ", Size: 1200, SHA256: strings.ToUpper(people)}}})
	if !isUUIDString(run.ID) || run.CompanyID != a.ID || run.Mode != store.ImportMerge || run.StartedAt.Before(before) ||
		time.Since(run.StartedAt) > time.Minute || !run.FinishedAt.IsZero() || run.Counts != nil ||
		!reflect.DeepEqual(run.Files, []store.ImportFile{{Name: "people.csv", Size: 1200, SHA256: people}}) {
		t.Fatalf("recorded run = %+v", run)
	}
	if got := imports(a, 0); len(got) != 1 || !reflect.DeepEqual(got[0], run) {
		t.Fatalf("Imports = %+v, want %+v", got, run)
	}
	// Recording it again updates it; a zero StartedAt keeps the stored one.
	run.Status, run.FinishedAt, run.Problems, run.Message = store.ImportApplied, run.StartedAt.Add(1500*time.Millisecond), 2, "2 warnings"
	run.Counts = map[string]store.ImportCounts{"people": {Created: 1, Updated: 2, Deactivated: 3, Unchanged: 4}, "groups": {Unchanged: 7}}
	run.Files = append(run.Files, store.ImportFile{Name: "projects.csv", Size: 99, SHA256: projects})
	started := run.StartedAt
	run.StartedAt = time.Time{}
	run = record(run)
	if !run.StartedAt.Equal(started) {
		t.Errorf("update moved the start: %v -> %v", started, run.StartedAt)
	}
	if got := imports(a, 0); len(got) != 1 || !reflect.DeepEqual(got[0], run) {
		t.Fatalf("after the update Imports = %+v, want %+v", got, run)
	}

	// More runs, at given times and with a chosen id, newest first.
	older := record(store.ImportRun{CompanyID: a.ID, Source: planning.SourceImport, Actor: "ana@example.com", Mode: "replace",
		StartedAt: started.Add(-2 * time.Hour), FinishedAt: started.Add(-2*time.Hour + time.Second), Status: store.ImportDryRun,
		Files: []store.ImportFile{{Name: "people.csv", Size: 1100, SHA256: people}}})
	chosen := uuid.NewString()
	middle := record(store.ImportRun{ID: chosen, CompanyID: a.ID, Source: planning.SourceImport, Status: store.ImportInvalid,
		StartedAt: started.Add(-time.Hour), Problems: 12, Files: []store.ImportFile{{Name: "x.csv", Size: 0, SHA256: other}}})
	if middle.ID != chosen || older.Mode != store.ImportReplace {
		t.Fatalf("recorded runs = %+v, %+v", middle, older)
	}
	if got := runIDs(imports(a, 0)); !sameIDs(got, run.ID, middle.ID, older.ID) {
		t.Fatalf("Imports order = %v, want newest first", got)
	}
	if got := runIDs(imports(a, 2)); !sameIDs(got, run.ID, middle.ID) {
		t.Errorf("Imports limit 2 = %v", got)
	}

	// By checksum, within one company only.
	theirs := record(store.ImportRun{CompanyID: b.ID, Source: planning.SourceAPI, Status: store.ImportApplied,
		Files: []store.ImportFile{{Name: "people.csv", Size: 1200, SHA256: people}}})
	if got := ofFile(a, people); !sameIDs(got, run.ID, older.ID) {
		t.Errorf("ImportsOfFile(a, people) = %v, want %v", got, []string{run.ID, older.ID})
	}
	if got := ofFile(a, strings.ToUpper(projects)); !sameIDs(got, run.ID) {
		t.Errorf("ImportsOfFile(a, projects, upper case) = %v", got)
	}
	if got := ofFile(b, people); !sameIDs(got, theirs.ID) {
		t.Errorf("ImportsOfFile(b, people) = %v, want only b's run", got)
	}
	if got := ofFile(b, other); len(got) != 0 {
		t.Errorf("ImportsOfFile(b, a's file) = %v", got)
	}
	if got := runIDs(imports(b, 0)); !sameIDs(got, theirs.ID) {
		t.Errorf("Imports(b) = %v", got)
	}
	if got, err := st.Imports(ctx, "not-a-company", 0); err != nil || len(got) != 0 {
		t.Errorf("Imports(unknown) = %v, %v", got, err)
	}
	if got, err := st.ImportsOfFile(ctx, uuid.NewString(), people); err != nil || len(got) != 0 {
		t.Errorf("ImportsOfFile(unknown company) = %v, %v", got, err)
	}
	// A run's files are replaced with it.
	middle.Files = []store.ImportFile{{Name: "y.csv", Size: 5, SHA256: projects}}
	middle = record(middle)
	if got := ofFile(a, other); len(got) != 0 {
		t.Errorf("a replaced file still finds its run: %v", got)
	}
	if got := ofFile(a, projects); !sameIDs(got, run.ID, middle.ID) {
		t.Errorf("ImportsOfFile(a, projects) = %v", got)
	}

	// Refusals.
	bad := []struct {
		run  store.ImportRun
		want string
	}{
		{store.ImportRun{CompanyID: a.ID, Source: planning.SourceImport, Status: "done"}, `status: "done" is not a status`},
		{store.ImportRun{CompanyID: a.ID, Source: planning.SourceImport}, "status: is required"},
		{store.ImportRun{CompanyID: a.ID, Source: "fax", Status: store.ImportApplied}, `source: "fax" is not one of`},
		{store.ImportRun{CompanyID: a.ID, Source: planning.SourceImport, Status: store.ImportApplied, Mode: "upsert"}, `mode: "upsert" is not a mode`},
		{store.ImportRun{CompanyID: a.ID, Source: planning.SourceImport, Status: store.ImportApplied, ID: "run-1"}, `id: "run-1" is not a run id`},
		{store.ImportRun{CompanyID: a.ID, Source: planning.SourceImport, Status: store.ImportApplied,
			Files: []store.ImportFile{{Name: "a.csv", SHA256: "abc"}}}, `files[0].sha256: "abc" is not a SHA-256 checksum`},
		{store.ImportRun{CompanyID: a.ID, Source: planning.SourceImport, Status: store.ImportApplied,
			Files: []store.ImportFile{{Size: -1}}}, "files[0].name: is required; files[0].size: cannot be negative"},
		{store.ImportRun{ID: theirs.ID, CompanyID: a.ID, Source: planning.SourceImport, Status: store.ImportApplied}, "belongs to another company"},
	}
	for _, tc := range bad {
		if _, err := st.RecordImport(ctx, tc.run); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("RecordImport(%+v) = %v, want an error saying %q", tc.run, err, tc.want)
		}
	}
	if _, err := st.RecordImport(ctx, store.ImportRun{CompanyID: "no-such-company", Source: planning.SourceImport, Status: store.ImportApplied}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown company: %v", err)
	}
	if _, err := st.ImportsOfFile(ctx, a.ID, "not-a-checksum"); err == nil || !strings.Contains(err.Error(), "is not a SHA-256 checksum") {
		t.Errorf("ImportsOfFile(bad checksum): %v", err)
	}
	if got := imports(b, 0); len(got) != 1 || !reflect.DeepEqual(got[0], theirs) {
		t.Errorf("a refused update changed b's run: %+v", got)
	}
	// Runs are not change history.
	for _, ch := range changes(t, st, a, 0) {
		if ch.Entity != planning.KindGroup && ch.Entity != planning.KindJobTitle && ch.Entity != planning.KindTag &&
			ch.Entity != planning.KindCompany && ch.Entity != planning.KindShare {
			t.Errorf("unexpected history entry %s:%s", ch.Entity, ch.Operation)
		}
	}
}

// sameIDs reports whether got lists exactly want, in order.
func sameIDs(got []string, want ...string) bool { return reflect.DeepEqual(got, want) }

func isUUIDString(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}

func testSFTPAccounts(t *testing.T, st store.Store) {
	ctx := context.Background()
	c, d := newCompany(t, st), newCompany(t, st)
	const hash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
	const keys = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl drop@laptop"
	name := uniqueName("Drop.Acme_")
	acct, err := st.CreateSFTPAccount(ctx, store.SFTPAccount{CompanyID: c.Slug, Username: " " + name + " ", PasswordHash: hash}, by)
	must(t, err)
	if !isUUIDString(acct.ID) || acct.CompanyID != c.ID || acct.Username != name || acct.PasswordHash != hash || acct.AuthorizedKeys != "" ||
		time.Since(acct.CreatedAt) > time.Minute {
		t.Fatalf("created = %+v", acct)
	}
	for _, u := range []string{name, strings.ToLower(name), strings.ToUpper(name)} {
		if got, err := st.SFTPAccount(ctx, u); err != nil || got != acct {
			t.Fatalf("SFTPAccount(%q) = %+v, %v; want %+v", u, got, err, acct)
		}
	}
	// Usernames are unique across companies, in any case; the error says who has it.
	_, err = st.CreateSFTPAccount(ctx, store.SFTPAccount{CompanyID: d.ID, Username: strings.ToLower(name), AuthorizedKeys: keys}, by)
	if err == nil || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "is already used by the account "+name+" of company "+c.Slug) {
		t.Fatalf("a username used in another case: %v", err)
	}
	// Invalid accounts.
	for _, tc := range []struct {
		a    store.SFTPAccount
		want string
	}{
		{store.SFTPAccount{Username: "", PasswordHash: hash}, "username: is required"},
		{store.SFTPAccount{Username: "two words", PasswordHash: hash}, `"two words" is not a valid username; use 1 to 64 letters, digits, '.', '_' or '-'`},
		{store.SFTPAccount{Username: "a/b", PasswordHash: hash}, "is not a valid username"},
		{store.SFTPAccount{Username: "jürgen", PasswordHash: hash}, "is not a valid username"},
		{store.SFTPAccount{Username: strings.Repeat("x", 65), PasswordHash: hash}, "is not a valid username"},
		{store.SFTPAccount{Username: uniqueName("nologin"), AuthorizedKeys: "  \n"}, "needs a password hash, authorized keys, or both"},
	} {
		tc.a.CompanyID = d.ID
		if _, err := st.CreateSFTPAccount(ctx, tc.a, by); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CreateSFTPAccount(%q) = %v, want an error saying %q", tc.a.Username, err, tc.want)
		}
	}
	if _, err := st.CreateSFTPAccount(ctx, store.SFTPAccount{CompanyID: "no-such-company", Username: uniqueName("x"), PasswordHash: hash}, by); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown company: %v", err)
	}
	long := uniqueName("k")
	long += strings.Repeat("k", 64-len(long))
	keyOnly, err := st.CreateSFTPAccount(ctx, store.SFTPAccount{CompanyID: c.ID, Username: long, AuthorizedKeys: keys + "\n"}, by)
	must(t, err)
	if keyOnly.PasswordHash != "" || keyOnly.AuthorizedKeys != keys {
		t.Fatalf("key-only account = %+v", keyOnly)
	}
	if got, err := st.SFTPAccount(ctx, long); err != nil || got != keyOnly {
		t.Fatalf("SFTPAccount(key only) = %+v, %v", got, err)
	}
	// Listing, by username.
	list, err := st.SFTPAccountsOf(ctx, c.ID)
	must(t, err)
	if len(list) != 2 || list[0] != acct || list[1] != keyOnly {
		t.Fatalf("SFTPAccountsOf(c) = %+v", list)
	}
	if list, err := st.SFTPAccountsOf(ctx, d.ID); err != nil || len(list) != 0 {
		t.Errorf("SFTPAccountsOf(d) = %+v, %v", list, err)
	}
	if list, err := st.SFTPAccountsOf(ctx, "not-a-company"); err != nil || len(list) != 0 {
		t.Errorf("SFTPAccountsOf(unknown) = %+v, %v", list, err)
	}
	if _, err := st.SFTPAccount(ctx, "no-such-user"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SFTPAccount(unknown): %v", err)
	}
	if _, err := st.SFTPAccount(ctx, "not a username"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SFTPAccount(invalid): %v", err)
	}
	// Updating replaces the credentials, nothing else.
	changed := acct
	changed.PasswordHash, changed.AuthorizedKeys = "", keys
	changed.Username, changed.CompanyID = "ignored", d.ID
	must(t, st.UpdateSFTPAccount(ctx, changed, by))
	want := acct
	want.PasswordHash, want.AuthorizedKeys = "", keys
	if got, err := st.SFTPAccount(ctx, name); err != nil || got != want {
		t.Fatalf("after the update = %+v, %v; want %+v", got, err, want)
	}
	must(t, st.UpdateSFTPAccount(ctx, want, by)) // no change, no history
	if err := st.UpdateSFTPAccount(ctx, store.SFTPAccount{ID: acct.ID}, by); err == nil || !strings.Contains(err.Error(), "needs a password hash") {
		t.Errorf("update without credentials: %v", err)
	}
	if err := st.UpdateSFTPAccount(ctx, store.SFTPAccount{ID: uuid.NewString(), PasswordHash: hash}, by); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update unknown account: %v", err)
	}
	// Deleting, in any case, twice.
	must(t, st.DeleteSFTPAccount(ctx, strings.ToUpper(name), by))
	if _, err := st.SFTPAccount(ctx, name); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted account still found: %v", err)
	}
	if err := st.DeleteSFTPAccount(ctx, name, by); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "no SFTP account") {
		t.Errorf("delete twice: %v", err)
	}
	// The username is free again, for any company.
	again, err := st.CreateSFTPAccount(ctx, store.SFTPAccount{CompanyID: d.ID, Username: strings.ToLower(name), PasswordHash: hash}, by)
	must(t, err)
	if again.ID == acct.ID {
		t.Error("a new account got the deleted one's id")
	}
	// The history names accounts by username and company, never their credentials.
	h := historyOf(t, st, c, store.KindSFTPAccount)
	if got, want := ops(h), strings.Join([]string{"sftp_account:create:" + name, "sftp_account:create:" + long,
		"sftp_account:update:" + name, "sftp_account:delete:" + name}, ","); got != want {
		t.Errorf("history of c:\n got %s\nwant %s", got, want)
	}
	if got := ops(historyOf(t, st, d, store.KindSFTPAccount)); got != "sftp_account:create:"+strings.ToLower(name) {
		t.Errorf("history of d: %s", got)
	}
	for _, ch := range h {
		doc := string(ch.Before) + string(ch.After)
		if ch.EntityID != acct.ID && ch.EntityID != keyOnly.ID || !strings.Contains(doc, c.ID) {
			t.Errorf("history entry %+v", ch)
		}
		for _, leak := range []string{"argon2", "ssh-ed25519", "AAAAC3", "password", "keys"} {
			if strings.Contains(doc, leak) {
				t.Errorf("history holds %q: %s", leak, doc)
			}
		}
	}
}
