//go:build linux

// Package childproc starts long-running child processes (test servers, the
// hub a benchmark drives) that must not outlive the program that started
// them.
package childproc

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
)

// Start starts cmd so that the kernel kills it when this process exits (a
// test binary has no hook at exit, and a server must not outlive it).
// Pdeathsig fires when the thread that started the child exits, not the
// process, so the child is started from a goroutine locked to its thread that
// then waits for the child: the thread lives exactly as long as the child
// needs it. The returned channel receives the child's exit.
func Start(cmd *exec.Cmd) (<-chan error, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	exited := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return exited, nil
}

// Gone reports whether no process has the given pid.
func Gone(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return errors.Is(err, fs.ErrNotExist)
}
