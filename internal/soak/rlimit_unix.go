//go:build unix

package main

import (
	"fmt"
	"syscall"
)

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
