//go:build !js

package main

import (
	"fmt"
	"math"
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
