//go:build js && wasm

package websocket

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTransportTryWake checks tryWake, which a message's WebAssembly
// export calls where Go may not park: it kicks the reader, unless
// SendContext waits for the browser's bufferedAmount to drain or the lock
// guarding that is held, and then it leaves all to wake.
func TestTransportTryWake(t *testing.T) {
	tr := &transport{kick: make(chan struct{}, 1)}
	kicked := func() bool {
		select {
		case <-tr.kick:
			return true
		default:
			return false
		}
	}
	assert.True(t, tr.tryWake(), "nobody waits")
	assert.True(t, kicked(), "the reader was kicked")
	assert.True(t, tr.tryWake())
	assert.True(t, tr.tryWake(), "a kick already pending")
	assert.True(t, kicked())
	assert.False(t, kicked(), "one kick")

	tr.drained = make(chan struct{})
	assert.False(t, tr.tryWake(), "SendContext waits")
	assert.False(t, kicked())
	tr.drained = nil

	tr.mu.Lock()
	assert.False(t, tr.tryWake(), "the lock is held")
	tr.mu.Unlock()
	assert.False(t, kicked())
}
