package sftpd

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// writeReports writes results/<name>.<stamp>.json and .txt, each through a
// temporary file renamed into place, so a client never reads half a report.
// Writing again (after a restart) replaces the reports of the same upload.
func writeReports(root *os.Root, name, stamp string, rep Report) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	base := path.Join(folderResults, name+"."+stamp)
	if err := writeAtomic(root, base+".json", append(data, '\n')); err != nil {
		return err
	}
	return writeAtomic(root, base+".txt", []byte(formatReport(rep)))
}

// writeAtomic writes data to a temporary file in rel's folder, syncs it and
// renames it to rel.
func writeAtomic(root *os.Root, rel string, data []byte) error {
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := path.Join(path.Dir(rel), tmpPrefix+hex.EncodeToString(rnd[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, rel)
	}
	if err != nil {
		root.Remove(tmp)
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}

// statusText explains a status to a person.
var statusText = map[Status]string{
	StatusOK:      "ok: the file was applied",
	StatusInvalid: "invalid: the file has errors and nothing was applied; fix them and upload the file again",
	StatusHeld:    "held: the file was not applied; it waits for confirmation in Trestle",
	StatusFailed:  "failed: nothing was applied",
}

// formatReport renders a report for people.
func formatReport(r Report) string {
	var b strings.Builder
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%-10s %s\n", label+":", value)
		}
	}
	b.WriteString("Trestle SFTP import report\n\n")
	line("File", r.File)
	line("Company", r.CompanyID)
	by := ""
	if r.User != "" {
		by = " by " + r.User
	}
	line("Received", r.ReceivedAt.UTC().Format(time.DateTime)+" UTC"+by)
	line("Size", fmt.Sprintf("%d bytes", r.Size))
	line("SHA-256", r.SHA256)
	line("Finished", r.FinishedAt.UTC().Format(time.DateTime)+" UTC")
	line("Archived", r.Archived)
	line("Status", statusText[r.Status])
	line("Message", r.Message)
	if len(r.Counts) > 0 {
		b.WriteString("\nCounts\n")
		keys := make([]string, 0, len(r.Counts))
		width := 0
		for k := range r.Counts {
			keys = append(keys, k)
			width = max(width, len(k))
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  %-*s %d\n", width, k, r.Counts[k])
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(&b, "\nErrors (%d)\n", len(r.Errors))
		for _, e := range r.Errors {
			b.WriteString("  " + e.where() + e.Message + "\n")
		}
	}
	return b.String()
}

// where renders "people.csv, line 3, column 2: ".
func (e FileError) where() string {
	var parts []string
	if e.File != "" {
		parts = append(parts, e.File)
	}
	if e.Line > 0 {
		parts = append(parts, fmt.Sprintf("line %d", e.Line))
	}
	if e.Column != "" {
		parts = append(parts, "column "+e.Column)
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + ": "
}
