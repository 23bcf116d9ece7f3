package websocket_test

// Options.Limiter on client sockets, in both builds: a socket over the cap
// fails as Chrome's do when it runs out of sockets, and a slot frees once a
// socket's close event ran. Server side (Upgrade): limiter_native_test.go.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// openSocket dials the scenario's /echo with o and waits for it to open.
func openSocket(t *testing.T, o *websocket.Options) *websocket.WebSocket {
	t.Helper()
	u, _ := route(t, "/echo")
	ws := newRecorder(t).dial(u, o)
	require.NoError(t, ws.WaitOpen(t.Context()))
	return ws
}

// closeSocket closes ws and waits for its close event.
func closeSocket(t *testing.T, ws *websocket.WebSocket) {
	t.Helper()
	require.NoError(t, ws.Close(1000, ""))
	_, err := ws.WaitClosed(t.Context())
	require.NoError(t, err)
}

// requireRefused dials the scenario's /echo with o and checks that the
// socket fails as one over its Limiter's cap: constructed without error,
// then "error" (ErrTooManySockets) and "close" 1006, and nothing on the wire.
// With closeAtOnce, the socket is closed right after the constructor returned.
func requireRefused(t *testing.T, o *websocket.Options, closeAtOnce bool) {
	t.Helper()
	u, id := route(t, "/echo")
	r := newRecorder(t)
	ws := r.dial(u, o)
	if closeAtOnce {
		require.NoError(t, ws.Close(0, ""))
	}
	assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, r.wait())
	errs := r.errors()
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], websocket.ErrTooManySockets)
	assert.ErrorIs(t, ws.WaitOpen(t.Context()), websocket.ErrTooManySockets)
	requireNoConnection(t, id)
}

func TestLimiter(t *testing.T) {
	t.Run("clientsOverTheCap", func(t *testing.T) {
		lim := websocket.NewLimiter(2)
		o := &websocket.Options{Limiter: lim}
		a := openSocket(t, o)
		b := openSocket(t, o)
		assert.Equal(t, 2, lim.InUse())

		requireRefused(t, o, false)
		requireRefused(t, o, true) // Close while CONNECTING changes nothing
		assert.Equal(t, 2, lim.InUse(), "a refused socket kept a slot")

		// The slot of a closed socket is free once its close event ran.
		closeSocket(t, a)
		assert.Equal(t, 1, lim.InUse())
		c := openSocket(t, o)
		assert.Equal(t, 2, lim.InUse())
		requireRefused(t, o, false)

		closeSocket(t, b)
		closeSocket(t, c)
		assert.Zero(t, lim.InUse())
	})

	t.Run("failedSocketFreesItsSlot", func(t *testing.T) {
		lim := websocket.NewLimiter(1)
		o := &websocket.Options{Limiter: lim}
		u, _ := route(t, "/hs", "status=404")
		r := newRecorder(t)
		r.dial(u, o)
		assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, r.wait())
		assert.Zero(t, lim.InUse())
		closeSocket(t, openSocket(t, o))
		assert.Zero(t, lim.InUse())
	})

	t.Run("syntaxErrorTakesNoSlot", func(t *testing.T) {
		lim := websocket.NewLimiter(1)
		_, err := websocket.NewWithOptions("ftp://example.com/", &websocket.Options{Limiter: lim})
		require.ErrorIs(t, err, websocket.ErrSyntax)
		assert.Zero(t, lim.InUse())
	})

	t.Run("zeroRefusesAll", func(t *testing.T) {
		lim := websocket.NewLimiter(0)
		requireRefused(t, &websocket.Options{Limiter: lim}, false)
		assert.Zero(t, lim.InUse())
	})
}
