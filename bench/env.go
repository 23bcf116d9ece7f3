package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/w3ws/w3ws/bench/impl"
)

// writeHeader writes what was measured, on what, and with which versions.
func writeHeader(w io.Writer, c config) {
	fmt.Fprintf(w, "# w3ws side by side (make bench)\n\n")
	fmt.Fprintf(w, "- machine: %s, %d CPUs, GOMAXPROCS %d, %s %s/%s; load average at start %s\n",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH, loadAverage())
	run := fmt.Sprintf("%s, seed %d (the shuffled order); echo cells %v warm-up + %v measured",
		plural(c.rounds, "round"), c.seed, c.warm, c.dur)
	if slices.Contains(c.parts, "echo") {
		run += "; echo: sizes " + sizeList(c.sizes)
	}
	if slices.Contains(c.parts, "idle") {
		run += fmt.Sprintf("; idle: %d sockets", c.n)
	}
	if slices.Contains(c.parts, "deflate") {
		names := make([]string, len(c.deflates))
		for i, d := range c.deflates {
			names[i] = d.String()
		}
		run += fmt.Sprintf("; deflate: sizes %s, compression %s", sizeList(c.deflateSizes), strings.Join(names, ", "))
	}
	fmt.Fprintf(w, "- run: %s\n", run)
	var versions []string
	for _, im := range c.impls {
		if v := fmt.Sprintf("%s %s", im.Module, moduleVersion(im.Module)); !slices.Contains(versions, v) {
			versions = append(versions, v)
		}
	}
	fmt.Fprintf(w, "- versions: %s\n", strings.Join(versions, ", "))
	fmt.Fprintf(w, "- implementations:\n")
	for _, im := range c.impls {
		fmt.Fprintf(w, "  - `%s`: client: %s; server: %s\n", im.Name, im.Client, im.Server)
	}
	fmt.Fprintf(w, "  - `%s`, the reference server (%s): %s\n", impl.Ref.Name, impl.Ref.Module, impl.Ref.Server)
}

// plural writes n things, with an s unless n is 1.
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// moduleVersion returns the version of module path this program was built
// with; w3ws itself is this checkout, through the replace directive.
func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	for _, d := range info.Deps {
		if d.Path != path {
			continue
		}
		if d.Replace != nil {
			return "(this checkout)"
		}
		return d.Version
	}
	return "(unknown)"
}

// cpuModel returns the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// loadAverage returns the 1, 5 and 15 minute load averages: other jobs on a
// shared machine show there.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// sizeList writes sizes as the column heads do.
func sizeList(sizes []int) string {
	labels := make([]string, len(sizes))
	for i, n := range sizes {
		labels[i] = sizeLabel(n)
	}
	return strings.Join(labels, ", ")
}
