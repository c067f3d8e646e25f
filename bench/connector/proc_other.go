//go:build !linux

package main

import (
	"os"
)

// Peak RSS is measured on Linux only (see proc_linux.go): these report 0,
// "unknown".

func resetPeakRSS() int64                          { return 0 }
func watchRSS(int) func() int64                    { return func() int64 { return 0 } }
func peakRSS(*os.ProcessState, int64, int64) int64 { return 0 }
