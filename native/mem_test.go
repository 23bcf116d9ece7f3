package native

import (
	"runtime"
	"unicode/utf8"
)

// runtimeMem is a snapshot of the heap counters a test compares.
type runtimeMem struct{ totalAlloc uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.totalAlloc = s.TotalAlloc
}

// utf8ValidBytes is unicode/utf8.Valid, named apart from the validator under test.
func utf8ValidBytes(b []byte) bool { return utf8.Valid(b) }
