package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/trestle-dev/trestle/internal/csvimport"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/sftpd"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// peopleCSV is a people.csv of n people; rows whose number is a multiple of
// changeEvery get another last name (0: none).
func peopleCSV(n, changeEvery int) string {
	var b strings.Builder
	b.WriteString("employee_id,first_name,last_name,group_codes,job_title,email,mobile_phone,hourly_wage,hired_date\n")
	for i := 1; i <= n; i++ {
		last := fmt.Sprintf("Worker%d", i)
		if changeEvery > 0 && i%changeEvery == 0 {
			last += "-changed"
		}
		fmt.Fprintf(&b, "E%d,Pat,%s,KS,APP,pat%d@example.com,+1312%07d,31.50,2020-03-01\n", i, last, i, i)
	}
	return b.String()
}

// BenchmarkSFTPReplace100k: a 100,000-row people.csv (5% changed) uploaded
// over SFTP with a real client into a hub holding those people, applied end to
// end by the drop (issue 6's figure: under 15 s). Timed from the start of the
// upload to the report in results/.
func BenchmarkSFTPReplace100k(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(dir, "hub.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	c, err := st.CreateCompany(ctx, planning.Company{Slug: "bench", Name: "Bench", Timezone: "America/Chicago"}, store.Console("bench"))
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	files := map[string]string{"groups.csv": "code,name,timezone\nKS,Kansas,America/Chicago\n",
		"job_titles.csv": "code,name,group_codes\nAPP,Apprentice,All\n", "people.csv": peopleCSV(n, 0)}
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	if rep, err := csvimport.Import(ctx, st, c.ID, paths, csvimport.Options{Source: planning.SourceImport}); err != nil || rep.Run.Status != store.ImportApplied {
		b.Fatalf("seed: %v %+v", err, rep)
	}
	hash, err := sftpd.HashPassword("bench-password-1")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateSFTPAccount(ctx, store.SFTPAccount{CompanyID: c.ID, Username: "bench", PasswordHash: hash}, store.Console("bench")); err != nil {
		b.Fatal(err)
	}
	key, err := sftpd.LoadOrCreateHostKey(filepath.Join(dir, "host_key"))
	if err != nil {
		b.Fatal(err)
	}
	srv, err := sftpd.New(sftpd.Config{Addr: "127.0.0.1:0", HostKey: key, Accounts: sftpAccounts{st: st}, Root: filepath.Join(dir, "sftp"),
		Processor: sftpProcessor{st: st, holdAbove: 0.5}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		b.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go srv.Serve(sctx)
	conn, err := ssh.Dial("tcp", srv.Addr(), &ssh.ClientConfig{User: "bench", Auth: []ssh.AuthMethod{ssh.Password("bench-password-1")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	client, err := sftp.NewClient(conn, sftp.UseConcurrentWrites(true))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	results := filepath.Join(dir, "sftp", c.ID, "results")
	b.ResetTimer()
	for i := range b.N {
		content := peopleCSV(n, 20+i%2)
		start := time.Now()
		f, err := client.Create("/inbox/people.csv")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(f, strings.NewReader(content)); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		uploaded := time.Since(start)
		want := i + 1
		for {
			entries, _ := os.ReadDir(results)
			got := 0
			var last string
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".json") {
					got++
					last = e.Name()
				}
			}
			if got >= want {
				raw, _ := os.ReadFile(filepath.Join(results, last))
				if !strings.Contains(string(raw), `"ok"`) {
					b.Fatalf("report: %s", raw)
				}
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.Logf("%d rows (%.1f MB): uploaded in %v, applied after %v", n, float64(len(content))/1e6, uploaded, time.Since(start))
	}
}
