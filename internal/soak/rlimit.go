//go:build !js

package main

import (
	"fmt"
	"math"
	"syscall"
)

// fdReserve is the file descriptors kept for everything but sockets:
// stdio, the pipes to the other process, the listener, the runtime's own.
const fdReserve = 100

// fdsNeeded is the file descriptors one process needs for n sockets with
// churn rounds replacing frac of them: each process holds only its own end
// of every connection, and a churn round opens the replacements while the
// sockets it closes are still closing.
func fdsNeeded(n int, frac float64) uint64 {
	return uint64(n) + uint64(math.Ceil(float64(n)*frac)) + fdReserve
}

// noFile is the RLIMIT_NOFILE of this process after raiseNoFile.
type noFile struct {
	Cur, Max uint64 // the limits now
	Was      uint64 // the soft limit found (Go raises it to Max at startup since 1.19)
}

func (l noFile) String() string {
	if l.Was == l.Cur {
		return fmt.Sprintf("soft %d = hard %d", l.Cur, l.Max)
	}
	return fmt.Sprintf("soft %d (raised from %d) = hard %d", l.Cur, l.Was, l.Max)
}

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit unless it is
// there already, and fails if the hard limit is below need.
func raiseNoFile(need uint64) (noFile, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return noFile{}, fmt.Errorf("getrlimit RLIMIT_NOFILE: %w", err)
	}
	l := noFile{Cur: r.Cur, Max: r.Max, Was: r.Cur}
	if r.Max < need {
		return l, fmt.Errorf("RLIMIT_NOFILE hard limit %d is below the %d file descriptors this process needs; "+
			"raise it (ulimit -Hn, as root) or lower -n", r.Max, need)
	}
	if r.Cur < r.Max {
		r.Cur = r.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			return l, fmt.Errorf("setrlimit RLIMIT_NOFILE to %d: %w", r.Max, err)
		}
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			return l, fmt.Errorf("getrlimit RLIMIT_NOFILE: %w", err)
		}
		l.Cur, l.Max = r.Cur, r.Max
	}
	return l, nil
}
