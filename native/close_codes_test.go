package native

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// autobahn79Codes are the close codes of Autobahn's case 7.9.x (and a few
// more) that RFC 6455 §7.4 rules out on the wire.
var autobahn79Codes = []StatusCode{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}

// rfcValidCodes are the codes a peer may send (Autobahn 7.7.x and the IANA
// registry's 1012-1014).
var rfcValidCodes = []StatusCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}

// TestCloseCodesStrict checks RFC 6455 §7.4 on received Close codes: a
// server, and a client with StrictCloseCodes, fail the connection with 1002
// on a ruled-out code and echo a valid one; a default client accepts all
// but 1005/1006/1015, as Chrome does.
func TestCloseCodesStrict(t *testing.T) {
	lenientRejects := map[StatusCode]bool{1005: true, 1006: true, 1015: true}
	for _, role := range []struct {
		name   string
		client bool
		strict bool
	}{{"server", false, false}, {"strictClient", true, true}, {"client", true, false}} {
		for _, code := range append(append([]StatusCode{}, autobahn79Codes...), rfcValidCodes...) {
			t.Run(fmt.Sprintf("%s/code=%d", role.name, code), func(t *testing.T) {
				c, p := newRawPeer(t, role.client, ConnOptions{StrictCloseCodes: role.strict})
				body := binary.BigEndian.AppendUint16(nil, uint16(code)) // closeBody omits code 0
				p.write(p.frame(true, opClose, append(body, 'r')))
				result := make(chan error, 1)
				go func() { _, _, err := c.ReadMessage(nil); result <- err }()
				gotCode, _ := p.expectClose()
				p.nc.Close() // as a server would, and so a client need not wait for it
				err := <-result
				wantFail := lenientRejects[code]
				if !role.client || role.strict {
					wantFail = !validSendCode(code)
				}
				if wantFail {
					require.ErrorIs(t, err, errCloseBadCode)
					assert.Equal(t, StatusProtocolError, gotCode)
					return
				}
				var ce *CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, code, ce.Code)
				assert.Equal(t, code, gotCode, "the code is echoed")
			})
		}
	}
}

// TestProtocolErrorSentinelsImmutable: a caller that edits a sentinel (or a
// returned error) changes nothing on the wire, and errors.Is still matches
// the fresh error each failure returns.
func TestProtocolErrorSentinelsImmutable(t *testing.T) {
	saved := *ErrReservedBits
	ErrReservedBits.Code, ErrReservedBits.Reason = 4999, "edited by a caller"
	defer func() { *ErrReservedBits = saved }()
	for range 2 {
		c, p := newRawPeer(t, true, ConnOptions{})
		p.write(rawBytes(0xc1, 0x00)) // RSV1 without an extension
		_, _, err := c.ReadMessage(nil)
		require.ErrorIs(t, err, ErrReservedBits)
		require.NotSame(t, ErrReservedBits, err, "a fresh error, not the sentinel")
		code, reason := p.expectClose()
		assert.Equal(t, StatusProtocolError, code)
		assert.Equal(t, "Invalid reserved bit", reason)
		var pe *ProtocolError
		require.ErrorAs(t, err, &pe)
		pe.Reason = "edited again" // must not leak into the next connection
	}
	assert.NotErrorIs(t, ErrUnknownOpcode, ErrReservedBits)
}
