package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/w3ws/w3ws/bench/impl"
)

// writeEcho writes the echo tables: for each set and mode, messages per
// second with the ratios, then the round trip (ping-pong) or the bandwidth
// (stream).
func writeEcho(w io.Writer, c config, data samples) {
	peers := peerNames(c.impls)
	fmt.Fprintf(w, "\n## Echo over loopback\n\n")
	fmt.Fprintf(w, "Client and server are separate processes on 127.0.0.1; binary messages. "+
		"A msg/s cell is the median over %s and, in brackets, the median over rounds of the row's msg/s ÷ the best of %s "+
		"in the same round and cell: above 1.00 is faster than every one of them. "+
		"spread is the row's largest (max − min) ÷ median of msg/s over rounds: a difference smaller than it is noise. "+
		"MB/s counts payload bytes echoed back per second (10⁶ B). An empty cell failed (see the log).\n",
		plural(c.rounds, "round"), orNone(strings.Join(peers, ", ")))
	for _, set := range c.sets {
		for _, mode := range c.modes {
			title := modeTitle(mode) + ", " + setTitle(set)
			stats := map[string][]cellStats{}
			for _, im := range c.impls {
				for _, size := range c.sizes {
					byImpl := data[cell{set, mode, size}]
					best := bestPeer(byImpl, peers, c.rounds)
					stats[im.Name] = append(stats[im.Name], summarize(byImpl[im.Name], best))
				}
			}
			fmt.Fprintf(w, "\n### %s: msg/s (ratio to the best peer)\n\n", title)
			writeTable(w, c, set, stats, true, func(s cellStats, _ int) string {
				return fmt.Sprintf("%s (%s)", rateLabel(s.rate), ratioLabel(s.ratio))
			})
			if mode == "pingpong" {
				fmt.Fprintf(w, "\n### %s: round trip p50 / p99, µs\n\n", title)
				writeTable(w, c, set, stats, false, func(s cellStats, _ int) string {
					return fmt.Sprintf("%s / %s", micros(s.p50), micros(s.p99))
				})
			} else {
				fmt.Fprintf(w, "\n### %s: MB/s\n\n", title)
				writeTable(w, c, set, stats, false, func(s cellStats, size int) string {
					return decimal(s.rate * float64(size) / 1e6)
				})
			}
		}
	}
}

// writeTable writes one table of a set: a row per implementation, a column
// per size, and the row's spread when withSpread is set.
func writeTable(w io.Writer, c config, set string, stats map[string][]cellStats, withSpread bool, format func(cellStats, int) string) {
	head, rule := "| client |", "|---|"
	if set == "pairs" {
		head = "| client and server |"
	}
	for _, size := range c.sizes {
		head += " " + sizeLabel(size) + " |"
		rule += "---:|"
	}
	if withSpread {
		head += " spread |"
		rule += "---:|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for _, im := range c.impls {
		row := "| " + im.Name + " |"
		worst := 0.0
		for i, s := range stats[im.Name] {
			if s.n == 0 {
				row += " |"
				continue
			}
			row += " " + format(s, c.sizes[i]) + " |"
			worst = max(worst, s.spread)
		}
		if withSpread {
			row += fmt.Sprintf(" %.0f%% |", worst*100)
		}
		fmt.Fprintln(w, row)
	}
}

// writeIdle writes the idle table.
func writeIdle(w io.Writer, c config, data idleSamples) {
	peers := peerNames(c.impls)
	fmt.Fprintf(w, "\n## Idle sockets: the client process's memory per open socket\n\n")
	fmt.Fprintf(w, "%d sockets per process against the reference server in another process, a fresh process per implementation "+
		"and round, after a GC. A cell is the median over %s and, in brackets, the median over rounds of the row's figure ÷ "+
		"the smallest of %s in the same round: below 1.00 is smaller than every one of them. Kernel socket buffers are in "+
		"neither RSS nor heap.\n\n", c.n, plural(c.rounds, "round"), orNone(strings.Join(peers, ", ")))
	fmt.Fprintln(w, "| client | RSS | Go heap | goroutine stacks | goroutines |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, im := range c.impls {
		row := "| " + im.Name + " |"
		for k := range 4 {
			var vals, ratios []float64
			for r, per := range data[im.Name] {
				if per == nil {
					continue
				}
				vals = append(vals, per[k])
				if least := smallestPeer(data, peers, r, k); least > 0 {
					ratios = append(ratios, per[k]/least)
				}
			}
			switch {
			case len(vals) == 0:
				row += " |"
			case k == 3:
				row += fmt.Sprintf(" %.2f (%s) |", median(vals), ratioLabel(median(ratios)))
			default:
				row += fmt.Sprintf(" %s (%s) |", kib(median(vals)), ratioLabel(median(ratios)))
			}
		}
		fmt.Fprintln(w, row)
	}
}

// cellStats summarises one implementation in one cell over the rounds.
type cellStats struct {
	n        int     // rounds measured
	rate     float64 // median msg/s
	ratio    float64 // median per-round ratio to the best peer; 0 without one
	spread   float64
	p50, p99 time.Duration // medians
}

// summarize summarises an implementation's rounds in a cell, given the best
// peer's msg/s in each round.
func summarize(rounds []*result, best []float64) cellStats {
	var rates, ratios, p50s, p99s []float64
	for r, res := range rounds {
		if res == nil {
			continue
		}
		rates = append(rates, res.rate())
		if best[r] > 0 {
			ratios = append(ratios, res.rate()/best[r])
		}
		p50s = append(p50s, float64(res.p50))
		p99s = append(p99s, float64(res.p99))
	}
	return cellStats{
		n:      len(rates),
		rate:   median(rates),
		ratio:  median(ratios),
		spread: spread(rates),
		p50:    time.Duration(median(p50s)),
		p99:    time.Duration(median(p99s)),
	}
}

// bestPeer returns, for each round, the highest msg/s among the peers in a
// cell (0 where none was measured).
func bestPeer(byImpl map[string][]*result, peers []string, rounds int) []float64 {
	best := make([]float64, rounds)
	for _, p := range peers {
		for r, res := range byImpl[p] {
			if res != nil {
				best[r] = max(best[r], res.rate())
			}
		}
	}
	return best
}

// smallestPeer returns the smallest positive figure k among the peers in
// round r of the idle part (0 where there is none).
func smallestPeer(data idleSamples, peers []string, r, k int) float64 {
	least := 0.0
	for _, p := range peers {
		if per := data[p][r]; per != nil && per[k] > 0 && (least == 0 || per[k] < least) {
			least = per[k]
		}
	}
	return least
}

// peerNames returns the names of the peers among ims.
func peerNames(ims []impl.Impl) []string {
	var names []string
	for _, im := range ims {
		if im.Peer {
			names = append(names, im.Name)
		}
	}
	return names
}

func setTitle(set string) string {
	if set == "ref" {
		return "every client against the reference server"
	}
	return "each implementation at both ends"
}

func modeTitle(mode string) string {
	if mode == "pingpong" {
		return "Ping-pong (one message in flight)"
	}
	return fmt.Sprintf("Stream (%d messages in flight)", window)
}

func orNone(s string) string {
	if s == "" {
		return "the peers (none measured)"
	}
	return s
}

// rateLabel writes a rate with three significant digits: 812, 8.12k, 81.2k,
// 812k, 8.12M.
func rateLabel(x float64) string {
	switch {
	case x < 1e3:
		return fmt.Sprintf("%.0f", x)
	case x < 1e4:
		return fmt.Sprintf("%.2fk", x/1e3)
	case x < 1e5:
		return fmt.Sprintf("%.1fk", x/1e3)
	case x < 1e6:
		return fmt.Sprintf("%.0fk", x/1e3)
	}
	return fmt.Sprintf("%.2fM", x/1e6)
}

// ratioLabel writes a ratio, or a dash where there is none.
func ratioLabel(x float64) string {
	if x == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", x)
}

// decimal writes x with three significant digits, or as an integer above 100.
func decimal(x float64) string {
	switch {
	case x < 10:
		return fmt.Sprintf("%.2f", x)
	case x < 100:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

// micros writes a duration in microseconds.
func micros(d time.Duration) string { return decimal(float64(d) / 1e3) }

// kib writes bytes in KiB.
func kib(b float64) string { return decimal(b/1024) + " KiB" }
