package sftpd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkg/sftp"
)

// benchFile is a 20 MB people.csv-like file.
func benchFile() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 20<<20; i++ {
		fmt.Fprintf(&b, "E%07d,First%d,Last%d,person%d@example.com,HR|Sales,2024-01-%02d\n", i, i, i, i, i%28+1)
	}
	return b.Bytes()[:20<<20]
}

// BenchmarkUpload20MB measures a 20 MB upload over SFTP from the pkg/sftp client
// (and from the OpenSSH sftp command, when installed): from opening the remote
// file until the Processor is called with it (the upload, the fsync on close,
// the move to processing/, the queue and the checksum).
func BenchmarkUpload20MB(b *testing.B) {
	data := benchFile()
	local := filepath.Join(b.TempDir(), "people.csv")
	if err := os.WriteFile(local, data, 0o600); err != nil {
		b.Fatal(err)
	}
	handed := make(chan time.Time, 1)
	e := newEnv(b, func(c *Config) {
		c.Processor = ProcessorFunc(func(ctx context.Context, u Upload) (Result, error) {
			handed <- time.Now()
			return Result{Status: StatusOK}, nil
		})
	})
	// clean removes what the last upload left, outside the timed part.
	clean := func(n int) {
		b.StopTimer()
		e.waitArchived("acme", n)
		for _, dir := range []string{folderArchive, folderResults} {
			os.RemoveAll(filepath.Join(e.root, "acme", dir))
			os.Mkdir(filepath.Join(e.root, "acme", dir), 0o750)
		}
		b.StartTimer()
	}
	ms := func(d time.Duration, n int) float64 { return d.Seconds() * 1000 / float64(n) }

	b.Run("pkg-sftp", func(b *testing.B) {
		c := e.client("acme-hr", acmePassword, sftp.UseConcurrentWrites(true))
		b.SetBytes(int64(len(data)))
		var upload, handoff time.Duration
		n := 0
		for b.Loop() {
			start := time.Now()
			f, err := c.Create("people.csv")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
			upload += time.Since(start)
			handoff += (<-handed).Sub(start)
			n++
			clean(1)
		}
		b.ReportMetric(ms(upload, n), "upload-ms/op")
		b.ReportMetric(ms(handoff, n), "handoff-ms/op")
	})

	b.Run("openssh", func(b *testing.B) {
		o := newOpenSSH(b, e)
		o.withKey("acme-ops", "acme")
		b.SetBytes(int64(len(data)))
		var handoff time.Duration
		n := 0
		for b.Loop() {
			start := time.Now()
			if out, err := o.run("acme-ops", "put "+local); err != nil {
				b.Fatalf("sftp: %v\n%s", err, out)
			}
			handoff += (<-handed).Sub(start)
			n++
			clean(1)
		}
		b.ReportMetric(ms(handoff, n), "handoff-ms/op")
	})
}
