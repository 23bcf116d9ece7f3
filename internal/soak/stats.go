//go:build !js

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

// Stats is one process's figures at one moment, taken after a GC.
type Stats struct {
	At         time.Time `json:"at"`
	Sockets    int       `json:"sockets"`     // sockets open
	RSS        uint64    `json:"rss"`         // VmRSS of /proc/self/status, bytes
	HeapAlloc  uint64    `json:"heap_alloc"`  // runtime.MemStats.HeapAlloc: live heap objects
	HeapInuse  uint64    `json:"heap_inuse"`  // runtime.MemStats.HeapInuse: heap spans in use
	StackInuse uint64    `json:"stack_inuse"` // runtime.MemStats.StackInuse: goroutine stacks
	Goroutines int       `json:"goroutines"`
	// Echoes counts messages echoed so far: received back by the client,
	// sent back by the server.
	Echoes uint64 `json:"echoes"`
}

// sample runs a GC and returns this process's figures.
func sample(sockets int, echoes uint64) Stats {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return Stats{
		At:         time.Now(),
		Sockets:    sockets,
		RSS:        readRSS(),
		HeapAlloc:  m.HeapAlloc,
		HeapInuse:  m.HeapInuse,
		StackInuse: m.StackInuse,
		Goroutines: runtime.NumGoroutine(),
		Echoes:     echoes,
	}
}

// readRSS returns VmRSS from /proc/self/status in bytes, or 0 if it cannot
// be read.
func readRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 3 && string(f[0]) == "VmRSS:" && string(f[2]) == "kB" {
			kb, err := strconv.ParseUint(string(f[1]), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// mib formats a byte count in MiB.
func mib(b uint64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }
