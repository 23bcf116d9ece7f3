package main

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/bench/impl"
)

// testSizes are the benchmark's sizes.
var testSizes = []int{16, 1 << 10, 64 << 10, 1 << 20}

// testLimits measures a few echoes, compared in full, with no warm-up:
// enough to check that every client and server echo correctly, not to time
// them.
func testLimits(size int) limits {
	l := limits{dur: time.Minute, maxMsgs: 20, window: window, verify: true}
	if size >= 1<<20 {
		l.maxMsgs, l.window = 5, 4
	}
	return l
}

// startServers starts every echo server (the reference and each
// implementation's) in this process on 127.0.0.1, and returns their URLs.
func startServers(t *testing.T) map[string]string {
	t.Helper()
	urls := map[string]string{}
	for _, im := range append([]impl.Impl{impl.Ref}, impl.All()...) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		served := make(chan error, 1)
		go func() { served <- im.Serve(ln, impl.DeflateOff) }()
		t.Cleanup(func() {
			ln.Close()
			assert.NoError(t, <-served, "server %s", im.Name)
		})
		urls[im.Name] = "ws://" + ln.Addr().String() + "/"
	}
	return urls
}

// testEveryPair runs measure for every client against every server at every
// size.
func testEveryPair(t *testing.T, measure func(impl.Impl, string, workload, limits) (result, error)) {
	urls := startServers(t)
	for _, client := range impl.All() {
		for _, srv := range append([]impl.Impl{impl.Ref}, impl.All()...) {
			for _, size := range testSizes {
				name := "client=" + client.Name + "/server=" + srv.Name + "/size=" + sizeLabel(size)
				t.Run(name, func(t *testing.T) {
					l := testLimits(size)
					res, err := measure(client, urls[srv.Name], binaryLoad(size), l)
					require.NoError(t, err)
					assert.Equal(t, l.maxMsgs, res.msgs, "echoes measured")
					assert.Positive(t, res.seconds)
				})
			}
		}
	}
}

func TestPingPong(t *testing.T) {
	testEveryPair(t, pingPong)
}

func TestStream(t *testing.T) {
	testEveryPair(t, stream)
}
