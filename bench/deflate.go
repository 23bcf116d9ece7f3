package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/w3ws/w3ws/bench/impl"
)

// deflateCell is one configuration of the deflate part, measured once per
// implementation that supports its compression, per round.
type deflateCell struct {
	mode    string // "pingpong" or "stream"
	deflate impl.Deflate
	size    int
}

// deflateServer names the echo server of an implementation with a
// compression setting.
type deflateServer struct {
	name    string
	deflate impl.Deflate
}

// deflateSamples holds every round's measurement of every implementation
// in every cell: deflateSamples[cell][impl][round], nil where the
// measurement failed.
type deflateSamples map[deflateCell]map[string][]*result

// deflateImpls returns the implementations of c that support d at both
// ends, in table order.
func deflateImpls(c config, d impl.Deflate) []impl.Impl {
	var ims []impl.Impl
	for _, im := range c.impls {
		if im.Supports(d) {
			ims = append(ims, im)
		}
	}
	return ims
}

// runDeflate runs the deflate part and writes its tables; it returns the
// number of failed measurements.
func runDeflate(c config, rng *rand.Rand, out, log io.Writer) (int, error) {
	servers := map[deflateServer]*server{}
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, d := range c.deflates {
		for _, im := range deflateImpls(c, d) {
			s, err := startServer(im.Name, d, c.timeout)
			if err != nil {
				return 0, err
			}
			servers[deflateServer{im.Name, d}] = s
		}
	}
	rings := map[int][][]byte{}
	for _, size := range c.deflateSizes {
		rings[size] = jsonRing(size)
	}
	var cells []deflateCell
	for _, mode := range c.modes {
		for _, d := range c.deflates {
			for _, size := range c.deflateSizes {
				cells = append(cells, deflateCell{mode, d, size})
			}
		}
	}
	data := deflateSamples{}
	for _, cl := range cells {
		data[cl] = map[string][]*result{}
		for _, im := range deflateImpls(c, cl.deflate) {
			data[cl][im.Name] = make([]*result, c.rounds)
		}
	}
	l := limits{warm: c.warm, dur: c.dur, maxMsgs: maxMsgs, window: window, verify: true}
	failed, measured := 0, 0
	for r := range c.rounds {
		t := time.Now()
		for _, cl := range cells {
			order := deflateImpls(c, cl.deflate)
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, im := range order {
				srv := servers[deflateServer{im.Name, cl.deflate}]
				w := workload{msgs: rings[cl.size], cfg: impl.Config{Text: true, Deflate: cl.deflate}}
				runtime.GC()
				res, err := measureWire(im, srv.url, srv.wire, cl.mode, w, l)
				measured++
				if err != nil {
					failed++
					fmt.Fprintf(log, "round %d, deflate %s %s %s, %s at both ends: %v\n",
						r+1, cl.deflate, cl.mode, sizeLabel(cl.size), im.Name, err)
					continue
				}
				data[cl][im.Name][r] = &res
			}
		}
		fmt.Fprintf(log, "deflate round %d/%d: %d measurements in %s (load average %s)\n",
			r+1, c.rounds, measured, time.Since(t).Round(100*time.Millisecond), loadAverage())
		measured = 0
	}
	writeDeflate(out, c, data)
	return failed, nil
}

// measureWire runs one measurement of mode against the server at url and
// adds the bytes on the wire per message, from wire, the server's byte
// counts of its last connection, taken once the connection is open and
// once it is quiet (every message echoed, nothing else in flight). Where
// the server cannot count (errNoWire), they stay 0.
func measureWire(im impl.Impl, url string, wire func() (recv, sent int64, err error), mode string, w workload, l limits) (result, error) {
	var recv0, sent0, recv1, sent1 int64
	counted := true
	l.opened = func() error {
		var err error
		recv0, sent0, err = wire()
		if errors.Is(err, errNoWire) {
			counted = false
			return nil
		}
		return err
	}
	l.quiet = func() error {
		if !counted {
			return nil
		}
		var err error
		recv1, sent1, err = wire()
		return err
	}
	measure := pingPong
	if mode == "stream" {
		measure = stream
	}
	res, err := measure(im, url, w, l)
	if err != nil || !counted {
		return res, err
	}
	if res.echoes == 0 {
		return res, errors.New("no echo counted")
	}
	res.up = float64(recv1-recv0) / float64(res.echoes)
	res.down = float64(sent1-sent0) / float64(res.echoes)
	return res, nil
}

// writeDeflate writes the deflate part's tables.
func writeDeflate(w io.Writer, c config, data deflateSamples) {
	fmt.Fprintf(w, "\n## permessage-deflate: each implementation at both ends, compression on at both\n\n")
	fmt.Fprintf(w, "Client and server are separate processes on 127.0.0.1, the same library at both ends with the same "+
		"compression setting. The messages are text: JSON arrays of user records (the same keys in every record, "+
		"varying values), generated from a fixed seed, %s distinct messages per size sent in turn so that no message "+
		"repeats within a 32 KiB window. Compression settings: `no-takeover` negotiates server_no_context_takeover "+
		"and client_no_context_takeover, so every message is compressed on its own; `takeover` keeps a 32 KiB window "+
		"in both directions from one message to the next; `off` sends the same messages uncompressed. Every echo is "+
		"compared in full. Text is checked as UTF-8 on receipt by w3ws only (coder, gorilla and gws as configured do not).\n\n",
		ringSizes(c.deflateSizes))
	fmt.Fprintf(w, "A msg/s cell is the median over %s and, in brackets, the median over rounds of the row's msg/s ÷ the best "+
		"peer with the same compression setting in the same round and cell; spread is as in the echo tables. Bytes "+
		"on the wire are what the server's socket received (client → server) and sent (server → client) between the "+
		"opening handshake and the close, per message: frame headers and masks included, TCP/IP headers not (Linux "+
		"TCP_INFO); the median over every measurement. In brackets, the message size ÷ those bytes.\n\n",
		plural(c.rounds, "round"))
	fmt.Fprintf(w, "How each turns compression on:\n\n")
	for _, im := range c.impls {
		if len(im.Deflate) == 0 {
			fmt.Fprintf(w, "- `%s`: not measured: it has no compressing connection to turn on (see bench/impl)\n", im.Name)
			continue
		}
		fmt.Fprintf(w, "- `%s`: %s\n", im.Name, im.DeflateSetup)
	}
	type rowKey struct {
		name    string
		deflate impl.Deflate
	}
	var rows []rowKey
	for _, d := range c.deflates {
		for _, im := range deflateImpls(c, d) {
			rows = append(rows, rowKey{im.Name, d})
		}
	}
	for _, mode := range c.modes {
		stats := map[rowKey][]cellStats{}
		for _, row := range rows {
			for _, size := range c.deflateSizes {
				byImpl := data[deflateCell{mode, row.deflate, size}]
				peers := peerNames(deflateImpls(c, row.deflate))
				best := bestPeer(byImpl, peers, c.rounds)
				stats[row] = append(stats[row], summarize(byImpl[row.name], best))
			}
		}
		table := func(withSpread bool, format func(cellStats, int) string) {
			head, rule := "| client and server | compression |", "|---|---|"
			for _, size := range c.deflateSizes {
				head += " " + sizeLabel(size) + " |"
				rule += "---:|"
			}
			if withSpread {
				head += " spread |"
				rule += "---:|"
			}
			fmt.Fprintln(w, head)
			fmt.Fprintln(w, rule)
			for _, row := range rows {
				line := "| " + row.name + " | " + row.deflate.String() + " |"
				worst := 0.0
				for i, s := range stats[row] {
					if s.n == 0 {
						line += " |"
						continue
					}
					line += " " + format(s, c.deflateSizes[i]) + " |"
					worst = max(worst, s.spread)
				}
				if withSpread {
					line += fmt.Sprintf(" %.0f%% |", worst*100)
				}
				fmt.Fprintln(w, line)
			}
		}
		title := modeTitle(mode) + ", compressed"
		fmt.Fprintf(w, "\n### %s: msg/s (ratio to the best peer with the same compression)\n\n", title)
		table(true, func(s cellStats, _ int) string {
			return fmt.Sprintf("%s (%s)", rateLabel(s.rate), ratioLabel(s.ratio))
		})
		if mode == "pingpong" {
			fmt.Fprintf(w, "\n### %s: round trip p50 / p99, µs\n\n", title)
			table(false, func(s cellStats, _ int) string {
				return fmt.Sprintf("%s / %s", micros(s.p50), micros(s.p99))
			})
		} else {
			fmt.Fprintf(w, "\n### %s: MB/s of JSON echoed\n\n", title)
			table(false, func(s cellStats, size int) string {
				return decimal(s.rate * float64(size) / 1e6)
			})
		}
	}
	fmt.Fprintf(w, "\n### Bytes on the wire per message: client → server / server → client (size ÷ bytes)\n\n")
	head, rule := "| client and server | compression |", "|---|---|"
	for _, size := range c.deflateSizes {
		head += " " + sizeLabel(size) + " |"
		rule += "---|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for _, row := range rows {
		line := "| " + row.name + " | " + row.deflate.String() + " |"
		for _, size := range c.deflateSizes {
			var ups, downs []float64
			for _, mode := range c.modes {
				for _, res := range data[deflateCell{mode, row.deflate, size}][row.name] {
					if res != nil && res.up > 0 && res.down > 0 {
						ups, downs = append(ups, res.up), append(downs, res.down)
					}
				}
			}
			if len(ups) == 0 {
				line += " |"
				continue
			}
			up, down := median(ups), median(downs)
			line += fmt.Sprintf(" %s / %s (%.2fx / %.2fx) |", wireLabel(up), wireLabel(down), float64(size)/up, float64(size)/down)
		}
		fmt.Fprintln(w, line)
	}
	var plain []string
	for _, size := range c.deflateSizes {
		plain = append(plain, fmt.Sprintf("%s: %d / %d B", sizeLabel(size), size+frameHeader(size, true), size+frameHeader(size, false)))
	}
	fmt.Fprintf(w, "\nUncompressed, a message takes its size plus its frame header: %s (client → server / server → client; "+
		"gorilla's client sends a message over 4 KiB in frames of 4 KiB, a header each).\n", strings.Join(plain, ", "))
}

// ringSizes writes how many distinct messages each size has.
func ringSizes(sizes []int) string {
	var parts []string
	for _, size := range sizes {
		n := len(jsonRing(size))
		parts = append(parts, fmt.Sprintf("%d (%s)", n, sizeLabel(size)))
	}
	return strings.Join(slices.Compact(parts), ", ")
}

// frameHeader is the size of a data frame's header carrying n bytes, from a
// client (masked) or a server.
func frameHeader(n int, masked bool) int {
	h := 2
	switch {
	case n > 0xffff:
		h += 8
	case n > 125:
		h += 2
	}
	if masked {
		h += 4
	}
	return h
}

// wireLabel writes a byte count per message.
func wireLabel(b float64) string { return fmt.Sprintf("%.0f B", b) }
