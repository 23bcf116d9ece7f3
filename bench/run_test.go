package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/bench/impl"
)

// TestRun runs the whole benchmark, server and idle child processes
// included, at the smallest settings, and checks that every table has a
// filled row per implementation.
func TestRun(t *testing.T) {
	c, err := parseFlags([]string{"-rounds", "1", "-warm", "0s", "-dur", "20ms", "-sizes", "16", "-n", "20", "-timeout", "2m"})
	require.NoError(t, err)
	var out, log strings.Builder
	require.Equal(t, 0, run(c, &out, &log), "log:\n%s\nreport:\n%s", &log, &out)
	report := out.String()
	for _, title := range []string{
		"### Ping-pong (one message in flight), every client against the reference server: msg/s",
		"### Stream (64 messages in flight), each implementation at both ends: MB/s",
		"## Idle sockets",
	} {
		assert.Contains(t, report, title)
	}
	for _, im := range impl.All() {
		// 8 echo tables and the idle table, none with an empty cell.
		assert.Equal(t, 9, strings.Count(report, "\n| "+im.Name+" | "), "rows of %s", im.Name)
		assert.NotContains(t, report, "| "+im.Name+" | |")
	}
}

// TestRunDeflate runs the deflate part, server child processes included, at
// the smallest settings, and checks that every table has a filled row per
// implementation and setting, gobwas aside.
func TestRunDeflate(t *testing.T) {
	c, err := parseFlags([]string{"-parts", "deflate", "-rounds", "1", "-warm", "0s", "-dur", "20ms", "-deflate-sizes", "1K", "-timeout", "2m"})
	require.NoError(t, err)
	var out, log strings.Builder
	require.Equal(t, 0, run(c, &out, &log), "log:\n%s\nreport:\n%s", &log, &out)
	report := out.String()
	assert.Contains(t, report, "### Bytes on the wire per message")
	assert.NotContains(t, report, "| gobwas |")
	for _, im := range impl.All() {
		for _, d := range []impl.Deflate{impl.DeflateNoTakeover, impl.DeflateTakeover} {
			row := "\n| " + im.Name + " | " + d.String() + " | "
			want := 5 // ping-pong msg/s and round trip, stream msg/s and MB/s, bytes
			if !im.Supports(d) {
				want = 0
			}
			assert.Equal(t, want, strings.Count(report, row), "rows of %s %s", im.Name, d)
			assert.NotContains(t, report, row+"|", "an empty cell")
		}
	}
}

func TestParseSizes(t *testing.T) {
	sizes, err := parseSizes("-sizes", "16,1K,64K,1M")
	require.NoError(t, err)
	assert.Equal(t, []int{16, 1 << 10, 64 << 10, 1 << 20}, sizes)
	for _, bad := range []string{"0", "x", "5M", "-1K", ""} {
		_, err := parseSizes("-sizes", bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestSizeLabel(t *testing.T) {
	for n, want := range map[int]string{16: "16 B", 1000: "1000 B", 1 << 10: "1 KiB", 64 << 10: "64 KiB", 1 << 20: "1 MiB", 1536: "1536 B"} {
		assert.Equal(t, want, sizeLabel(n))
	}
}

func TestChoose(t *testing.T) {
	got, err := choose("-modes", "stream,pingpong", []string{"pingpong", "stream"})
	require.NoError(t, err)
	assert.Equal(t, []string{"pingpong", "stream"}, got, "allowed's order")
	_, err = choose("-modes", "pingpong,burst", []string{"pingpong", "stream"})
	assert.ErrorContains(t, err, `"burst"`)
}
