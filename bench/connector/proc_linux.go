//go:build linux

package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Peak RSS of a child. Linux's ru_maxrss of a child is not the child's
// alone: Go starts children with clone(CLONE_VM|CLONE_VFORK), so the child
// runs on this process's memory until exec, and exec folds the old memory's
// high-water mark into the child's maxrss. A child therefore reports at least
// this process's peak RSS (a /bin/true started after this process touched
// 800 MB reports 803 MB). resetPeakRSS lowers that floor before a child is
// started; peakRSS takes the child's ru_maxrss when it is above the floor
// (then it is the child's own peak), else the VmHWM polled by watchRSS.

// resetPeakRSS returns this process's memory to the system and resets its
// RSS high-water mark (/proc/self/clear_refs, "5") to its current RSS, and
// returns that floor in bytes.
func resetPeakRSS() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return vmHWM("self")
}

// vmHWM is a process's peak RSS since exec (or the last reset), in bytes,
// from /proc/<pid>/status; 0 when it cannot be read.
func vmHWM(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// watchRSS polls a running process's VmHWM every 10 ms; the function it
// returns stops polling and returns the largest value seen (it misses at
// most the growth of the last 10 ms).
func watchRSS(pid int) func() int64 {
	stop := make(chan struct{})
	result := make(chan int64, 1)
	go func() {
		var peak int64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, vmHWM(strconv.Itoa(pid)))
			select {
			case <-stop:
				result <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(stop); return <-result }
}

// peakRSS is a finished child's peak RSS in bytes: its ru_maxrss (KiB on
// Linux) when above floor, else the polled value.
func peakRSS(ps *os.ProcessState, floor, polled int64) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > floor {
		return ru.Maxrss * 1024
	}
	return polled
}
