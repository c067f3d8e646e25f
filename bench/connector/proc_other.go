//go:build !linux

package main

import (
	"os"
	"os/exec"
)

// startChild starts a long-running child (the hub, the S3 server); the
// channel receives its exit. Outside Linux nothing kills it if this program
// dies without cleaning up.
func startChild(cmd *exec.Cmd) (<-chan error, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited, nil
}

// Peak RSS is measured on Linux only (see proc_linux.go): these report 0,
// "unknown".

func resetPeakRSS() int64                          { return 0 }
func watchRSS(int) func() int64                    { return func() int64 { return 0 } }
func peakRSS(*os.ProcessState, int64, int64) int64 { return 0 }
