//go:build !js

package websocket_test

// Options.Limiter on the server side: Upgrade over the cap answers 503 with
// Retry-After, and a failed handshake gives its slot back.

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/native"
	"github.com/w3ws/w3ws/websocket"
)

func TestLimiterUpgrade(t *testing.T) {
	lim := websocket.NewLimiter(1)
	u, sockets, errs := upgradeServer(t, func() *websocket.Options { return &websocket.Options{Limiter: lim} })

	// The first client takes the only slot, and keeps it while open.
	client := newRecorder(t).dial(u, nil)
	require.NoError(t, client.WaitOpen(t.Context()))
	server := receive(t, sockets)
	assert.Equal(t, 1, lim.InUse())

	// A second handshake gets 503 with Retry-After; the client fails.
	_, resp, err := native.Dial(t.Context(), u, nil)
	var he *native.HandshakeError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusServiceUnavailable, he.StatusCode)
	require.NotNil(t, resp)
	assert.Equal(t, "5", resp.Header.Get("Retry-After"))
	assert.ErrorIs(t, receive(t, errs), websocket.ErrTooManySockets)

	r := newRecorder(t)
	r.dial(u, nil)
	assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, r.wait())
	if e := r.errors(); assert.Len(t, e, 1) && assert.ErrorAs(t, e[0], &he) {
		assert.Equal(t, http.StatusServiceUnavailable, he.StatusCode)
	}
	assert.ErrorIs(t, receive(t, errs), websocket.ErrTooManySockets)
	assert.Equal(t, 1, lim.InUse())

	// The slot frees once the server socket's close event ran.
	closeSocket(t, client)
	_, err = server.WaitClosed(t.Context())
	require.NoError(t, err)
	assert.Zero(t, lim.InUse())

	// A request that is no handshake takes the slot and gives it back.
	resp, err = logClient.Get("http" + strings.TrimPrefix(u, "ws"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.NotEqual(t, http.StatusServiceUnavailable, resp.StatusCode)
	err = receive(t, errs)
	assert.True(t, err != nil && !errors.Is(err, websocket.ErrTooManySockets), "%v", err)
	assert.Zero(t, lim.InUse())

	// And the slot serves the next socket.
	client = newRecorder(t).dial(u, nil)
	require.NoError(t, client.WaitOpen(t.Context()))
	server = receive(t, sockets)
	assert.Equal(t, 1, lim.InUse())
	closeSocket(t, client)
	_, err = server.WaitClosed(t.Context())
	require.NoError(t, err)
	assert.Zero(t, lim.InUse())
}
