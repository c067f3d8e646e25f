//go:build !linux

// Package childproc starts long-running child processes (test servers, the
// hub a benchmark drives) that must not outlive the program that started
// them.
package childproc

import "os/exec"

// Start starts cmd; the returned channel receives its exit. Outside Linux
// nothing kills the child if this program dies without cleaning up.
func Start(cmd *exec.Cmd) (<-chan error, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited, nil
}

// Gone reports whether no process has the given pid; unknown here, so never.
func Gone(pid int) bool { return false }
