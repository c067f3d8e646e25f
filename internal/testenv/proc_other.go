//go:build !linux

package testenv

import "os/exec"

// startProcess starts cmd. Outside Linux nothing kills it when the test binary
// exits; it is left running (its data folder is in os.TempDir()).
func startProcess(cmd *exec.Cmd) (<-chan error, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited, nil
}

// processGone reports whether no process has the given pid; unknown here, so
// never.
func processGone(pid int) bool { return false }
