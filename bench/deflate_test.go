package main

import (
	"encoding/json"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/bench/impl"
)

func TestJSONRing(t *testing.T) {
	for _, size := range []int{16, 128, 1 << 10, 1000, 64 << 10, 1 << 20} {
		ring := jsonRing(size)
		if size >= 128 { // shorter ones are too short for distinct records
			assert.GreaterOrEqual(t, (len(ring)-1)*size, 32<<10, "size %d: a message repeats within 32 KiB", size)
		}
		for i, m := range ring {
			require.Len(t, m, size)
			if size < 128 {
				continue
			}
			assert.True(t, json.Valid(m), "size %d, message %d: %s", size, i, m)
			if i > 0 {
				assert.NotEqual(t, ring[i-1], m)
			}
		}
		assert.Equal(t, ring, jsonRing(size), "deterministic")
	}
}

func TestFrameHeader(t *testing.T) {
	assert.Equal(t, 6, frameHeader(125, true))
	assert.Equal(t, 4, frameHeader(1<<10, false))
	assert.Equal(t, 8, frameHeader(0xffff, true))
	assert.Equal(t, 10, frameHeader(64<<10, false))
}

// TestDeflate runs every implementation with every compression setting it
// supports at both ends, in both modes, a few echoes of each deflate size
// compared in full, and checks the bytes on the wire: exactly the message
// and its header when off, fewer than the message when compressed.
func TestDeflate(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the byte counts need Linux's TCP_INFO")
	}
	for _, d := range []impl.Deflate{impl.DeflateOff, impl.DeflateNoTakeover, impl.DeflateTakeover} {
		for _, im := range impl.All() {
			if !im.Supports(d) {
				continue
			}
			tcp, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			ln := &lastConnListener{Listener: tcp}
			served := make(chan error, 1)
			go func() { served <- im.Serve(ln, d) }()
			url := "ws://" + ln.Addr().String() + "/"
			for _, mode := range []string{"pingpong", "stream"} {
				for _, size := range []int{1 << 10, 64 << 10} {
					name := strings.Join([]string{d.String(), im.Name, mode, sizeLabel(size)}, "/")
					t.Run(name, func(t *testing.T) {
						l := testLimits(size)
						w := workload{msgs: jsonRing(size), cfg: impl.Config{Text: true, Deflate: d}}
						res, err := measureWire(im, url, ln.counts, mode, w, l)
						require.NoError(t, err)
						assert.Equal(t, l.maxMsgs, res.msgs, "echoes measured")
						assert.GreaterOrEqual(t, res.echoes, res.msgs)
						if d == impl.DeflateOff {
							// One frame per message, or a header more per
							// 4 KiB from gorilla's client, which
							// fragments.
							up, down := float64(size+frameHeader(size, true)), float64(size+frameHeader(size, false))
							assert.InDelta(t, up, res.up, float64(size/512), "client to server")
							assert.Equal(t, down, res.down, "server to client")
							return
						}
						// The JSON compresses at least twice at both sizes.
						assert.Less(t, res.up, float64(size)/2, "client to server")
						assert.Less(t, res.down, float64(size)/2, "server to client")
					})
				}
			}
			ln.Close()
			assert.NoError(t, <-served, "server %s", im.Name)
		}
	}
}
