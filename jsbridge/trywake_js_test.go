//go:build js && wasm

package jsbridge

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSetTryWake checks that in the attached program a message's export
// calls the socket's tryWake instead of starting a goroutine for wake,
// and starts it after all when tryWake returns false; and that a socket
// whose messages come through a js.Func (a page that did not attach the
// program) calls wake, as ever.
func TestSetTryWake(t *testing.T) {
	b := shim()
	require.False(t, b.IsUndefined(), "the runner's page loads w3ws.js")
	for _, c := range []struct {
		name         string
		attached     bool
		accept       bool // what tryWake returns
		tries, wakes int  // per message
	}{
		{"accepted", true, true, 1, 0},
		{"declined", true, false, 1, 1},
		{"unattached", false, true, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			bridge := b
			if !c.attached {
				bridge = unattached(b)
			}
			var tries, wakes int
			kick := make(chan struct{}, 1)
			signal := func() {
				select {
				case kick <- struct{}{}:
				default:
				}
			}
			ws, err := open("ws://"+strings.TrimPrefix(scenarioURL, "http://")+"/echo", nil, func() { wakes++; signal() }, bridge)
			require.NoError(t, err)
			ws.SetTryWake(func() bool {
				tries++
				if c.accept {
					signal()
				}
				return c.accept
			})
			next := func() []Event {
				select {
				case <-kick:
				case <-time.After(waitTimeout):
					t.Fatal("no wake within", waitTimeout)
				}
				return ws.Take(nil)
			}
			require.Equal(t, []Event{{Kind: EventOpen}}, next())
			const n = 3
			for i := range n {
				tries, wakes = 0, 0
				require.NoError(t, ws.SendBytes([]byte{byte(i)}))
				require.Equal(t, []Event{{Kind: EventMessage, Data: []byte{byte(i)}}}, next(), "message %d", i)
				time.Sleep(20 * time.Millisecond) // a goroutine started for wake has run
				assert.Equal(t, c.tries, tries, "tryWake calls for message %d", i)
				assert.Equal(t, c.wakes, wakes, "wake calls for message %d", i)
			}
			require.NoError(t, ws.Close(1000, ""))
			require.Equal(t, []Event{{Kind: EventClose, Code: 1000, WasClean: true}}, next())
		})
	}
}
