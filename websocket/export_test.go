package websocket

import (
	"runtime"
	"strings"
)

// Goid returns the current goroutine's id, from its stack header: the
// tests check on which goroutine handlers run.
func Goid() uint64 { return goid() }

// goid is Goid, for the package's own tests.
func goid() uint64 {
	var buf [64]byte
	s := string(buf[:runtime.Stack(buf[:], false)])
	s = strings.TrimPrefix(s, "goroutine ")
	var id uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
