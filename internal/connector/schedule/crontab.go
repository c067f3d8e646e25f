package schedule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// markerPrefix starts the marker comment ending each connector's crontab line.
const markerPrefix = "# trestle-connector:"

// Marker is the comment that ends the crontab line of the connector whose
// config.yaml is at the absolute path config: a hash of its folder, which
// finds the line again, and the folder itself, for people reading the
// crontab.
func Marker(config string) string {
	dir := Job{Config: config}.Dir()
	return markerPrefix + ID(dir) + " " + escapePercent(dir)
}

// markerKey is the part of the marker that identifies the connector.
func markerKey(config string) string { return markerPrefix + ID(Job{Config: config}.Dir()) }

// isOurs reports whether a crontab line carries the marker key.
func isOurs(line, key string) bool {
	i := strings.Index(line, key)
	if i < 0 {
		return false
	}
	rest := line[i+len(key):]
	return rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r'
}

// Line is the crontab line running the job:
//
//	<cron> umask 077; '<binary>' connector sync --config '<config>' 2>&1 | while ...; do printf ... "$(date ...)" "$line"; done >> '<log>' 2>&1 # trestle-connector:<id> <dir>
//
// Each output line is prefixed with a timestamp and appended to the log file,
// which, like the files the sync writes, is readable by its owner only.
// Paths are single-quoted for sh, and every % is escaped as \%, since cron
// turns a bare % into a line break.
func (j Job) Line() (string, error) {
	if err := j.validate(true); err != nil {
		return "", err
	}
	stamp := `"$(date '+%Y-%m-%d %H:%M:%S %z')"`
	cmd := fmt.Sprintf(`umask 077; %s connector sync --config %s 2>&1 | while IFS= read -r line || [ -n "$line" ]; do printf '%%s %%s\n' %s "$line"; done >> %s 2>&1`,
		shQuote(j.Binary), shQuote(j.Config), stamp, shQuote(j.logFile()))
	return strings.Join(strings.Fields(j.Cron), " ") + " " + escapePercent(cmd) + " " + Marker(j.Config), nil
}

// shQuote quotes s as one word for sh.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// escapePercent escapes % for crontab, where a bare % ends the command.
func escapePercent(s string) string { return strings.ReplaceAll(s, "%", `\%`) }

// splitLines splits a crontab's text into lines, without the final newline.
func splitLines(text string) []string {
	if text == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// joinLines is the crontab text of lines, ending with a newline (cron ignores
// a last line without one).
func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// Install returns crontab with the job's line: in place of the connector's
// previous line when there is one (and without any duplicate of it), else
// added at the end. Every other line is kept as it is.
func Install(crontab string, j Job) (text, line string, err error) {
	line, err = j.Line()
	if err != nil {
		return "", "", err
	}
	key := markerKey(j.Config)
	var out []string
	placed := false
	for _, l := range splitLines(crontab) {
		if isOurs(l, key) {
			if !placed {
				out = append(out, line)
				placed = true
			}
			continue
		}
		out = append(out, l)
	}
	if !placed {
		out = append(out, line)
	}
	return joinLines(out), line, nil
}

// Remove returns crontab without the line(s) of the connector whose
// config.yaml is at the absolute path config, and whether there was one.
func Remove(crontab, config string) (string, bool) {
	key := markerKey(config)
	var out []string
	removed := false
	for _, l := range splitLines(crontab) {
		if isOurs(l, key) {
			removed = true
			continue
		}
		out = append(out, l)
	}
	if !removed {
		return crontab, false
	}
	return joinLines(out), true
}

// Find returns the line of the connector whose config.yaml is at the
// absolute path config, and whether there is one.
func Find(crontab, config string) (string, bool) {
	key := markerKey(config)
	for _, l := range splitLines(crontab) {
		if isOurs(l, key) {
			return l, true
		}
	}
	return "", false
}

// Crontab reads and writes the current user's crontab with the crontab
// command.
type Crontab struct {
	// Command is the crontab program; empty means "crontab" on the PATH.
	Command string
}

// command is the crontab program to run.
func (c Crontab) command() string {
	if c.Command == "" {
		return "crontab"
	}
	return c.Command
}

// run runs the crontab program with args and stdin, returning its output.
func (c Crontab) run(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.command(), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Stdin = strings.NewReader(stdin)
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(errb.String())
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("the crontab command %q was not found: install cron, or keep the connector running with \"trestle connector run\"", c.command())
		}
		if msg != "" {
			return "", fmt.Errorf("%s %s: %s", c.command(), strings.Join(args, " "), msg)
		}
		return "", fmt.Errorf("%s %s: %w", c.command(), strings.Join(args, " "), err)
	}
	return out.String(), nil
}

// Read returns the crontab's text ("crontab -l"); a user without a crontab
// has an empty one.
func (c Crontab) Read(ctx context.Context) (string, error) {
	out, err := c.run(ctx, "", "-l")
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "no crontab for") {
			return "", nil
		}
		return "", err
	}
	return out, nil
}

// Write replaces the crontab with text ("crontab -", text on stdin).
func (c Crontab) Write(ctx context.Context, text string) error {
	_, err := c.run(ctx, text, "-")
	return err
}

// Install adds or replaces the job's line in the crontab and returns it.
func (c Crontab) Install(ctx context.Context, j Job) (string, error) {
	if _, err := j.Line(); err != nil {
		return "", err
	}
	cur, err := c.Read(ctx)
	if err != nil {
		return "", err
	}
	text, line, err := Install(cur, j)
	if err != nil {
		return "", err
	}
	if text == cur {
		return line, nil
	}
	return line, c.Write(ctx, text)
}

// Remove deletes the connector's line from the crontab, leaving every other
// line, and reports whether there was one.
func (c Crontab) Remove(ctx context.Context, config string) (bool, error) {
	cur, err := c.Read(ctx)
	if err != nil {
		return false, err
	}
	text, removed := Remove(cur, config)
	if !removed {
		return false, nil
	}
	return true, c.Write(ctx, text)
}

// Show returns the connector's crontab line, and whether there is one.
func (c Crontab) Show(ctx context.Context, config string) (string, bool, error) {
	cur, err := c.Read(ctx)
	if err != nil {
		return "", false, err
	}
	line, ok := Find(cur, config)
	return line, ok, nil
}
