package native

import (
	"bytes"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConnSimultaneousCloseKeepsQueuedData queues 8 MiB and a Close with
// StartClose on one end while the other end closes too: the Close frames
// cross. Neither end may drop TCP before its queued messages and its Close
// frame went out, so each side reads every byte and the other's Close.
func TestConnSimultaneousCloseKeepsQueuedData(t *testing.T) {
	for _, starter := range []string{"client", "server"} {
		t.Run("queuedBy="+starter, func(t *testing.T) {
			client, server := connPair(t, ConnOptions{})
			busy, idle := client, server
			if starter == "server" {
				busy, idle = server, client
			}
			msg := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
			for range 8 {
				require.NoError(t, busy.WriteMessageAsync(MessageBinary, msg))
			}
			require.NoError(t, busy.StartClose(4001, "busy"))
			// The idle end closes at the same time, while the data is still
			// in flight, and then reads everything.
			require.NoError(t, idle.StartClose(4002, "idle"))

			var wg sync.WaitGroup
			var busyErr error
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if _, _, busyErr = busy.ReadMessage(nil); busyErr != nil {
						return
					}
				}
			}()
			got := 0
			var err error
			for {
				var m []byte
				if _, m, err = idle.ReadMessage(nil); err != nil {
					break
				}
				require.True(t, bytes.Equal(msg, m), "message %d intact", got)
				got++
			}
			wg.Wait()
			assert.Equal(t, 8, got, "every queued message arrived")
			var ce *CloseError
			require.ErrorAs(t, err, &ce, "the idle end got the busy end's Close")
			assert.Equal(t, StatusCode(4001), ce.Code)
			require.ErrorAs(t, busyErr, &ce, "the busy end got the idle end's Close")
			assert.Equal(t, StatusCode(4002), ce.Code)
		})
	}
}
