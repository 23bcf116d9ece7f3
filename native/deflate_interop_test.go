//go:build !js

package native

import (
	"bytes"
	"fmt"
	"testing"

	coder "github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deflateInteropSizes are the message sizes of the compression interop
// tests: under and over the threshold, one and several deflate blocks.
var deflateInteropSizes = []int{0, 1, 127, 128, 1000, 64 << 10, 1 << 20}

// TestInteropCompression runs permessage-deflate against coder/websocket in
// both roles and every combination of context takeover: text and binary
// messages of every size go both ways, repeated so that a kept context is
// used, and arrive intact.
func TestInteropCompression(t *testing.T) {
	modes := []struct {
		name  string
		ours  CompressionMode
		coder coder.CompressionMode
	}{
		{"takeover-takeover", CompressionContextTakeover, coder.CompressionContextTakeover},
		{"takeover-none", CompressionContextTakeover, coder.CompressionNoContextTakeover},
		{"none-takeover", CompressionNoContextTakeover, coder.CompressionContextTakeover},
		{"none-none", CompressionNoContextTakeover, coder.CompressionNoContextTakeover},
	}
	for _, oursIsClient := range []bool{true, false} {
		for _, m := range modes {
			t.Run(interopRoles(oursIsClient)+"/"+m.name, func(t *testing.T) {
				e := newInteropEnv(t)
				ours, theirs := e.pair(oursIsClient, interopConfig{
					dial:        DialOptions{ConnOptions: ConnOptions{Compression: m.ours}},
					accept:      AcceptOptions{ConnOptions: ConnOptions{Compression: m.ours}},
					coderDial:   coder.DialOptions{CompressionMode: m.coder},
					coderAccept: coder.AcceptOptions{CompressionMode: m.coder},
				})
				require.Contains(t, ours.Extensions(), "permessage-deflate")
				echoErr := e.errOf(func() error { return interopNativeEcho(ours) })
				for round := range 3 {
					for _, n := range deflateInteropSizes {
						for _, typ := range []coder.MessageType{coder.MessageText, coder.MessageBinary} {
							msg := interopText(n)
							if typ == coder.MessageBinary {
								msg = interopBinary(n)
							}
							require.NoError(t, theirs.Write(e.ctx, typ, msg))
							gt, got, err := theirs.Read(e.ctx)
							require.NoError(t, err, "round %d, %d bytes", round, n)
							assert.Equal(t, typ, gt)
							assert.True(t, bytes.Equal(msg, got), fmt.Sprintf("round %d: %d-byte %v echo differs", round, n, typ))
						}
					}
				}
				require.NoError(t, theirs.Close(coder.StatusNormalClosure, ""))
				var ce *CloseError
				require.ErrorAs(t, interopRecv(t, echoErr, "our echo loop"), &ce)
			})
		}
	}
}
