//go:build !js

package main

import (
	"fmt"
	"io"
	"strings"
)

// row is one line of a phase table: one process at the end of one phase.
type row struct {
	phase   string
	process string  // "client" or "server"
	st      Stats   // figures at the end of the phase
	base    Stats   // the process's baseline, before any socket opened
	rate    float64 // echoes per second during the phase, 0 if none
}

// tableHeader names the columns. Per-connection figures are the growth over
// the process's baseline divided by the sockets open in that process.
const tableHeader = "| phase | process | sockets | RSS MiB | heap alloc MiB | heap inuse MiB | stacks MiB | goroutines " +
	"| RSS/conn KiB | heap alloc/conn KiB | heap inuse/conn KiB | stacks/conn KiB | goroutines/conn | echoes/s |\n" +
	"|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"

// writeTable writes rows as a markdown table under title.
func writeTable(w io.Writer, title string, rows []row) {
	var b strings.Builder
	if title != "" {
		fmt.Fprintf(&b, "\n%s\n\n", title)
	}
	b.WriteString(tableHeader)
	for _, r := range rows {
		rate := "–"
		if r.rate > 0 {
			rate = fmt.Sprintf("%.0f", r.rate)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s |\n",
			r.phase, r.process, r.st.Sockets,
			mib(r.st.RSS), mib(r.st.HeapAlloc), mib(r.st.HeapInuse), mib(r.st.StackInuse), r.st.Goroutines,
			perConnKiB(r.st.RSS, r.base.RSS, r.st.Sockets),
			perConnKiB(r.st.HeapAlloc, r.base.HeapAlloc, r.st.Sockets),
			perConnKiB(r.st.HeapInuse, r.base.HeapInuse, r.st.Sockets),
			perConnKiB(r.st.StackInuse, r.base.StackInuse, r.st.Sockets),
			perConn(float64(r.st.Goroutines-r.base.Goroutines), r.st.Sockets, "%.2f"),
			rate)
	}
	io.WriteString(w, b.String())
}

// perConnKiB formats (v-base)/n in KiB.
func perConnKiB(v, base uint64, n int) string {
	return perConn((float64(v)-float64(base))/1024, n, "%.2f")
}

// perConn formats d/n, or "–" when no socket is open.
func perConn(d float64, n int, format string) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf(format, d/float64(n))
}
