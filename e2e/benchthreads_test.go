//go:build !js

package e2e

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// envBenchThreads, set to 1, makes BenchmarkBrowserThroughput also report
// the renderer's CPU per message thread by thread (the main thread is
// named after the executable, chromium; Chrome_ChildIOThread carries the
// IPC), averaged over the reps of each cell, from /proc/PID/task. The
// renderer CPU of the table says how much; this says where, which the
// DevTools profile of W3WS_BENCH_PROFILE (the main thread's JavaScript and
// WebAssembly only) cannot.
const envBenchThreads = "W3WS_BENCH_THREADS"

// threadLog sums, by cell, each renderer thread's CPU per message.
type threadLog struct {
	us   map[string]map[string]float64 // cell -> thread name -> µs per message, summed over runs
	runs map[string]int
}

// newThreadLog returns a threadLog if $W3WS_BENCH_THREADS is 1, else nil,
// whose methods do nothing.
func newThreadLog() *threadLog {
	if os.Getenv(envBenchThreads) != "1" {
		return nil
	}
	return &threadLog{us: map[string]map[string]float64{}, runs: map[string]int{}}
}

// sample returns the CPU time so far of the renderers' threads, by name.
func (l *threadLog) sample(c chromiumCPU) map[string]time.Duration {
	if l == nil {
		return nil
	}
	stats, err := procStats()
	if err != nil {
		return nil
	}
	renderers, _ := c.processes(stats)
	out := map[string]time.Duration{}
	for _, pid := range renderers {
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			continue
		}
		for _, t := range tasks {
			raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, t.Name()))
			if err != nil {
				continue
			}
			if st, comm, ok := parseStat(raw); ok {
				out[comm] += st.cpu
			}
		}
	}
	return out
}

// add records a run of cell that echoed total messages between the
// samples before and after.
func (l *threadLog) add(cell string, before, after map[string]time.Duration, total int64) {
	if l == nil || before == nil || after == nil {
		return
	}
	if l.us[cell] == nil {
		l.us[cell] = map[string]float64{}
	}
	for name, cpu := range after {
		l.us[cell][name] += float64((cpu - before[name]).Microseconds()) / float64(total)
	}
	l.runs[cell]++
}

// String lists, a line per cell, the threads that used 1 µs per message
// or more, on average over the cell's runs.
func (l *threadLog) String() string {
	var sb strings.Builder
	sb.WriteString("renderer CPU by thread, µs per message (threads under 1 µs left out):\n")
	cells := make([]string, 0, len(l.us))
	for cell := range l.us {
		cells = append(cells, cell)
	}
	slices.Sort(cells)
	for _, cell := range cells {
		var parts []string
		for name, us := range l.us[cell] {
			if avg := us / float64(l.runs[cell]); avg >= 1 {
				parts = append(parts, fmt.Sprintf("%s %.1f", name, avg))
			}
		}
		slices.Sort(parts)
		fmt.Fprintf(&sb, "- %s: %s\n", cell, strings.Join(parts, ", "))
	}
	return sb.String()
}
