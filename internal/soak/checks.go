//go:build !js

package main

import (
	"fmt"
	"io"
)

// verdict collects the run's assertions: each is printed as it is made,
// and the failed ones again at the end.
type verdict struct {
	w        io.Writer
	failures []string
}

// check prints msg as passed or failed and records a failure.
func (v *verdict) check(ok bool, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if ok {
		fmt.Fprintf(v.w, "ok    %s\n", msg)
		return
	}
	fmt.Fprintf(v.w, "FAIL  %s\n", msg)
	v.failures = append(v.failures, msg)
}

// failed reports whether any check failed.
func (v *verdict) failed() bool { return len(v.failures) > 0 }

// leakChecks asserts that a process is back near its baseline: goroutines
// within margin, live heap within heapMargin bytes.
func (v *verdict) leakChecks(process string, base, end Stats, margin int, heapMargin uint64) {
	v.check(end.Goroutines <= base.Goroutines+margin,
		"%s: %d goroutines after everything closed, baseline %d (margin %d)", process, end.Goroutines, base.Goroutines, margin)
	v.check(end.HeapAlloc <= base.HeapAlloc+heapMargin,
		"%s: heap alloc %s MiB after everything closed, baseline %s MiB (margin %s MiB); heap inuse %s MiB, baseline %s MiB",
		process, mib(end.HeapAlloc), mib(base.HeapAlloc), mib(heapMargin), mib(end.HeapInuse), mib(base.HeapInuse))
}
