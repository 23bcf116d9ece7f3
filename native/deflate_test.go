package native

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pmdSyncTail is the tail RFC 7692 §7.2.1 strips from each compressed
// message; pmdFinalBlock is an empty final block, which these tests add
// after it so that compress/flate's reader ends in io.EOF.
var (
	pmdSyncTail   = []byte{0x00, 0x00, 0xff, 0xff}
	pmdFinalBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}
)

// pmdMaskKey is the masking key of the frames these tests send as a client.
const pmdMaskKey = 0x3d21fa37

// pmdRawPeer returns a Conn with permessage-deflate in force with params p
// (as Accept or Dial would set it up) and a raw peer playing the other role.
func pmdRawPeer(t testing.TB, connIsClient bool, p deflateParams, opts ConnOptions) (*Conn, *rawPeer) {
	t.Helper()
	a, b := tcpPair(t)
	c := newConn(a, nil, connConfig{client: connIsClient, deflate: &p, opts: opts})
	t.Cleanup(func() { c.CloseNow() })
	return c, &rawPeer{t: t, nc: b, br: bufio.NewReader(b), client: !connIsClient}
}

// pmdFrame encodes one frame the way p's role would, with the RSV bits rsv.
func pmdFrame(p *rawPeer, fin bool, rsv byte, op opcode, payload []byte) []byte {
	if p.client {
		return maskedFrameRSV(fin, rsv, op, payload)
	}
	h := header{fin: fin, rsv: rsv, op: op, length: int64(len(payload))}
	return append(appendHeader(nil, h), payload...)
}

// maskedFrameRSV encodes one frame as a client sends it (masked with
// pmdMaskKey), with the RSV bits rsv.
func maskedFrameRSV(fin bool, rsv byte, op opcode, payload []byte) []byte {
	h := header{fin: fin, rsv: rsv, op: op, masked: true, key: pmdMaskKey, length: int64(len(payload))}
	b := appendHeader(nil, h)
	off := len(b)
	b = append(b, payload...)
	mask(b[off:], h.key)
	return b
}

// pmdReadFrame reads one frame sent by the Conn under test, allowing RSV1 on
// the first frame of a data message, and returns it unmasked.
func pmdReadFrame(p *rawPeer) (header, []byte) {
	p.t.Helper()
	require.NoError(p.t, p.nc.SetReadDeadline(time.Now().Add(pmdTimeout)))
	b, err := p.br.Peek(2)
	require.NoError(p.t, err)
	size := 2 + map[byte]int{126: 2, 127: 8}[b[1]&0x7f]
	if b[1]&0x80 != 0 {
		size += 4
	}
	b, err = p.br.Peek(size)
	require.NoError(p.t, err)
	h, n, err := parseHeaderRSV(b, true)
	require.NoError(p.t, err)
	require.Equal(p.t, size, n)
	p.br.Discard(n)
	payload := make([]byte, h.length)
	_, err = io.ReadFull(p.br, payload)
	require.NoError(p.t, err)
	require.Equal(p.t, p.client, !h.masked, "a client masks, a server does not")
	if h.masked {
		mask(payload, h.key)
	}
	return h, payload
}

// pmdCompress compresses msg as a permessage-deflate sender does (RFC 7692
// §7.2.1): a sync flush with its 00 00 ff ff tail removed.
func pmdCompress(t testing.TB, msg []byte, level int) []byte {
	t.Helper()
	var b bytes.Buffer
	fw, err := flate.NewWriter(&b, level)
	require.NoError(t, err)
	_, err = fw.Write(msg)
	require.NoError(t, err)
	require.NoError(t, fw.Flush())
	out := b.Bytes()
	require.True(t, bytes.HasSuffix(out, pmdSyncTail))
	return out[:len(out)-4]
}

// pmdInflate decompresses one message's payload with compress/flate, with
// dict as the sender's window, as RFC 7692 §7.2.2 says: the 00 00 ff ff
// tail added back.
func pmdInflate(payload, dict []byte) ([]byte, error) {
	in := append(append(append([]byte(nil), payload...), pmdSyncTail...), pmdFinalBlock...)
	return io.ReadAll(flate.NewReaderDict(bytes.NewReader(in), dict))
}

// pmdText returns n bytes of text that compresses poorly on its own (random
// letters) but is found whole in a kept window.
func pmdText(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(r.IntN(26))
	}
	return b
}

// pmdRandom returns n incompressible bytes.
func pmdRandom(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// pmdRole names a Conn's role for subtests.
func pmdRole(connIsClient bool) string {
	if connIsClient {
		return "client"
	}
	return "server"
}

// pmdVector is one vector of testdata/deflate/rfc7692-7.2.3.json.
type pmdVector struct {
	Name     string   `json:"name"`
	Section  string   `json:"section"`
	Frames   []string `json:"frames"`
	Messages []string `json:"messages"`
	Takeover bool     `json:"takeover"`
	wire     [][]byte // Frames, decoded
}

func loadDeflateVectors(t testing.TB) []pmdVector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "deflate", "rfc7692-7.2.3.json"))
	require.NoError(t, err)
	var file struct {
		Vectors []pmdVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(b, &file))
	require.NotEmpty(t, file.Vectors)
	for i := range file.Vectors {
		v := &file.Vectors[i]
		for _, f := range v.Frames {
			w, err := hex.DecodeString(f)
			require.NoError(t, err, v.Name)
			v.wire = append(v.wire, w)
		}
	}
	return file.Vectors
}

// pmdSplitFrame decodes one unmasked wire frame of a vector.
func pmdSplitFrame(t testing.TB, w []byte) (header, []byte) {
	t.Helper()
	h, n, err := parseHeaderRSV(w, true)
	require.NoError(t, err)
	require.NotZero(t, n)
	require.False(t, h.masked)
	require.Equal(t, int64(len(w)-n), h.length, "the frame is whole")
	return h, w[n:]
}

// TestDeflateVectorsAreRFC checks the vector file itself: the frames are
// RSV1 on a message's first frame only, and compress/flate inflates each
// message's payload (with the previous messages as its window) to the text.
func TestDeflateVectorsAreRFC(t *testing.T) {
	names := map[string]bool{}
	for _, v := range loadDeflateVectors(t) {
		names[v.Name] = true
		var window []byte
		var msg []byte
		first := true
		k := 0
		for _, w := range v.wire {
			h, payload := pmdSplitFrame(t, w)
			if first {
				assert.Equal(t, rsv1, int(h.rsv), "%s: RSV1 on the first frame", v.Name)
				assert.Equal(t, opText, h.op)
			} else {
				assert.Zero(t, h.rsv, "%s: no RSV on a continuation", v.Name)
				assert.Equal(t, opContinuation, h.op)
			}
			msg = append(msg, payload...)
			first = h.fin
			if !h.fin {
				continue
			}
			got, err := pmdInflate(msg, window)
			require.NoError(t, err, v.Name)
			require.Less(t, k, len(v.Messages), v.Name)
			assert.Equal(t, v.Messages[k], string(got), v.Name)
			if k > 0 && v.Takeover {
				_, err := pmdInflate(msg, nil)
				assert.Error(t, err, "%s: message %d needs the window", v.Name, k)
			}
			window = append(window, got...)
			msg = nil
			k++
		}
		assert.Equal(t, len(v.Messages), k, v.Name)
	}
	for _, name := range []string{"one-block", "one-block-fragmented", "shared-window", "no-compression-block", "bfinal", "two-blocks"} {
		assert.True(t, names[name], "vector %s is missing", name)
	}
}

// TestDeflateRFCVectors reads each RFC 7692 §7.2.3 example with a Conn of
// each role (the frames masked when the Conn is a server) with the peer
// keeping its context: each yields its messages. The shared-window pair
// fails with ErrInflate (1002) when the peer declared no context takeover,
// since then no window is kept for it.
func TestDeflateRFCVectors(t *testing.T) {
	for _, v := range loadDeflateVectors(t) {
		for _, connIsClient := range []bool{true, false} {
			t.Run(v.Name+"/"+pmdRole(connIsClient), func(t *testing.T) {
				c, p := pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{})
				for _, w := range v.wire {
					h, payload := pmdSplitFrame(t, w)
					p.write(pmdFrame(p, h.fin, h.rsv, h.op, payload))
				}
				for _, want := range v.Messages {
					typ, got, err := c.ReadMessage([]byte("prefix:"))
					require.NoError(t, err)
					assert.Equal(t, MessageText, typ)
					assert.Equal(t, "prefix:"+want, string(got))
				}
			})
		}
		if !v.Takeover {
			continue
		}
		for _, connIsClient := range []bool{true, false} {
			t.Run(v.Name+"/noTakeover/"+pmdRole(connIsClient), func(t *testing.T) {
				// The peer said it would not keep its context.
				params := deflateParams{clientNoContextTakeover: true}
				if connIsClient {
					params = deflateParams{serverNoContextTakeover: true}
				}
				c, p := pmdRawPeer(t, connIsClient, params, ConnOptions{})
				for _, w := range v.wire {
					h, payload := pmdSplitFrame(t, w)
					p.write(pmdFrame(p, h.fin, h.rsv, h.op, payload))
				}
				_, got, err := c.ReadMessage(nil)
				require.NoError(t, err)
				assert.Equal(t, v.Messages[0], string(got))
				_, _, err = c.ReadMessage(nil)
				assert.ErrorIs(t, err, ErrInflate)
				code, _ := p.expectClose()
				assert.Equal(t, StatusProtocolError, code)
			})
		}
	}
}

// TestDeflateReservedBits checks the RSV bits a peer may not set: RSV1 on a
// continuation or a control frame, RSV2 and RSV3 always, RSV1 when nothing
// was negotiated. Each is a 1002 and ErrReservedBits.
func TestDeflateReservedBits(t *testing.T) {
	hello := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
	tests := []struct {
		name       string
		negotiated bool
		frames     func(p *rawPeer) [][]byte
	}{
		{name: "rsv1OnContinuation", negotiated: true, frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, false, rsv1, opText, hello[:3]), pmdFrame(p, true, rsv1, opContinuation, hello[3:])}
		}},
		{name: "rsv1OnContinuationOfPlain", negotiated: true, frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, false, 0, opText, []byte("He")), pmdFrame(p, true, rsv1, opContinuation, []byte("llo"))}
		}},
		{name: "rsv1OnPing", negotiated: true, frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, true, rsv1, opPing, []byte("hi"))}
		}},
		{name: "rsv1OnPingInsideMessage", negotiated: true, frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, false, rsv1, opText, hello[:3]), pmdFrame(p, true, rsv1, opPing, nil), pmdFrame(p, true, 0, opContinuation, hello[3:])}
		}},
		{name: "rsv1OnPong", negotiated: true, frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, true, rsv1, opPong, nil)}
		}},
		{name: "rsv1OnClose", negotiated: true, frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, true, rsv1, opClose, closeBody(StatusNormalClosure, "bye"))}
		}},
		{name: "rsv2", negotiated: true, frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, true, 2, opText, []byte("Hello"))}
		}},
		{name: "rsv3", negotiated: true, frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, true, 1, opBinary, []byte("Hello"))}
		}},
		{name: "rsv1and2", negotiated: true, frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, true, rsv1|2, opText, hello)}
		}},
		{name: "rsv1and3", negotiated: true, frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, true, rsv1|1, opText, hello)}
		}},
		{name: "rsv1NotNegotiated", frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, true, rsv1, opText, hello)}
		}},
		{name: "rsv1NotNegotiatedFragment", frames: func(p *rawPeer) [][]byte {
			return [][]byte{pmdFrame(p, false, rsv1, opBinary, hello[:3]), pmdFrame(p, true, 0, opContinuation, hello[3:])}
		}},
	}
	for _, tt := range tests {
		for _, connIsClient := range []bool{true, false} {
			t.Run(tt.name+"/"+pmdRole(connIsClient), func(t *testing.T) {
				var c *Conn
				var p *rawPeer
				if tt.negotiated {
					c, p = pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{Compression: CompressionContextTakeover})
				} else {
					c, p = newRawPeer(t, connIsClient, ConnOptions{})
					t.Cleanup(func() { c.CloseNow() })
				}
				p.write(tt.frames(p)...)
				_, _, err := c.ReadMessage(nil)
				assert.ErrorIs(t, err, ErrReservedBits)
				code, _ := p.expectClose()
				assert.Equal(t, StatusProtocolError, code)
			})
		}
	}
}

// TestDeflateInflateErrors checks compressed messages that break RFC 7692:
// data that does not inflate is ErrInflate (1002), text that inflates to
// invalid UTF-8 is ErrInvalidUTF8 (1007).
func TestDeflateInflateErrors(t *testing.T) {
	tests := []struct {
		name    string
		op      opcode
		payload []byte
		want    error
		code    StatusCode
	}{
		// BTYPE 11 is reserved (RFC 1951 §3.2.3).
		{name: "reservedBlockType", op: opBinary, payload: []byte{0xff, 0xff, 0xff}, want: ErrInflate, code: StatusProtocolError},
		// A back-reference with no window to refer to.
		{name: "referenceWithoutWindow", op: opText, payload: []byte{0xf2, 0x00, 0x11, 0x00, 0x00}, want: ErrInflate, code: StatusProtocolError},
		// A stored block announcing 100 bytes that never come.
		{name: "truncatedStoredBlock", op: opBinary, payload: []byte{0x00, 0x64, 0x00, 0x9b, 0xff, 'a', 'b', 'c'}, want: ErrInflate, code: StatusProtocolError},
		// A stored block whose NLEN is not LEN's complement.
		{name: "badStoredLength", op: opBinary, payload: []byte{0x00, 0x05, 0x00, 0x00, 0x00, 'H', 'e', 'l', 'l', 'o'}, want: ErrInflate, code: StatusProtocolError},
		{name: "invalidUTF8", op: opText, payload: pmdCompress(t, []byte("Hello \xff\xfe world, compressed"), flate.BestSpeed), want: ErrInvalidUTF8, code: StatusInvalidPayloadData},
		{name: "truncatedUTF8", op: opText, payload: pmdCompress(t, []byte("Hello \xf0\x9f\x98"), flate.BestSpeed), want: ErrInvalidUTF8, code: StatusInvalidPayloadData},
		{name: "surrogateUTF8", op: opText, payload: pmdCompress(t, []byte("\xed\xa0\x80"), flate.NoCompression), want: ErrInvalidUTF8, code: StatusInvalidPayloadData},
	}
	for _, tt := range tests {
		for _, connIsClient := range []bool{true, false} {
			t.Run(tt.name+"/"+pmdRole(connIsClient), func(t *testing.T) {
				c, p := pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{})
				p.write(pmdFrame(p, true, rsv1, tt.op, tt.payload))
				_, got, err := c.ReadMessage([]byte("kept"))
				assert.ErrorIs(t, err, tt.want)
				assert.Equal(t, "kept", string(got), "dst as it was")
				code, _ := p.expectClose()
				assert.Equal(t, tt.code, code)
			})
		}
	}

	// The same bytes as binary are a valid message.
	c, p := pmdRawPeer(t, false, deflateParams{}, ConnOptions{})
	bad := []byte("Hello \xff\xfe world, compressed")
	p.write(pmdFrame(p, true, rsv1, opBinary, pmdCompress(t, bad, flate.BestSpeed)))
	typ, got, err := c.ReadMessage(nil)
	require.NoError(t, err)
	assert.Equal(t, MessageBinary, typ)
	assert.Equal(t, bad, got)
}

// TestDeflateMixedMessages checks that compressed and plain messages can
// alternate, compressed messages can be fragmented with control frames in
// between, and an empty message compressed (0x00, RFC 7692 §7.2.3.6's
// empty block) reads as empty.
func TestDeflateMixedMessages(t *testing.T) {
	for _, connIsClient := range []bool{true, false} {
		t.Run(pmdRole(connIsClient), func(t *testing.T) {
			c, p := pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{})
			long := pmdText(1, 5000)
			z := pmdCompress(t, long, flate.BestCompression)
			empty := pmdCompress(t, nil, flate.BestSpeed)
			p.write(
				pmdFrame(p, true, 0, opText, []byte("plain")),
				pmdFrame(p, false, rsv1, opBinary, z[:10]),
				pmdFrame(p, true, 0, opPing, []byte("ping")),
				pmdFrame(p, false, 0, opContinuation, z[10:20]),
				pmdFrame(p, false, 0, opContinuation, nil),
				pmdFrame(p, true, 0, opPong, nil),
				pmdFrame(p, true, 0, opContinuation, z[20:]),
				pmdFrame(p, true, rsv1, opText, empty),
				pmdFrame(p, true, 0, opBinary, []byte("plain again")),
			)
			for _, want := range []struct {
				typ MessageType
				msg string
			}{{MessageText, "plain"}, {MessageBinary, string(long)}, {MessageText, ""}, {MessageBinary, "plain again"}} {
				typ, got, err := c.ReadMessage(nil)
				require.NoError(t, err)
				assert.Equal(t, want.typ, typ)
				assert.Equal(t, want.msg, string(got))
			}
			h, payload := pmdReadFrame(p)
			assert.Equal(t, opPong, h.op)
			assert.Zero(t, h.rsv)
			assert.Equal(t, "ping", string(payload))
		})
	}
}

// TestDeflateLargeFragmented checks a compressed message whose compressed
// form is larger than the reassembly step, in fragments, read after a prefix
// in dst: it is gathered whole and inflated.
func TestDeflateLargeFragmented(t *testing.T) {
	msg := append(pmdRandom(3, 3<<20), pmdText(4, 1<<20)...)
	z := pmdCompress(t, msg, flate.BestSpeed)
	require.Greater(t, len(z), 3<<20)
	c, p := pmdRawPeer(t, false, deflateParams{}, ConnOptions{MaxMessageSize: 8 << 20})
	go func() {
		third := len(z) / 3
		p.nc.Write(bytes.Join([][]byte{
			pmdFrame(p, false, rsv1, opBinary, z[:third]),
			pmdFrame(p, true, 0, opPing, nil),
			pmdFrame(p, false, 0, opContinuation, z[third:2*third]),
			pmdFrame(p, true, 0, opContinuation, z[2*third:]),
		}, nil))
	}()
	go io.Copy(io.Discard, p.br) // the Pong
	typ, got, err := c.ReadMessage([]byte("prefix"))
	require.NoError(t, err)
	assert.Equal(t, MessageBinary, typ)
	require.Len(t, got, len("prefix")+len(msg))
	assert.Equal(t, "prefix", string(got[:6]))
	assert.True(t, bytes.Equal(msg, got[6:]))
}

// TestDeflateWriteThreshold checks what we send: a data message at or above
// the threshold goes out in one frame with RSV1 that compress/flate inflates
// (with the tail added back) to the message; one under it goes out plain.
func TestDeflateWriteThreshold(t *testing.T) {
	tests := []struct {
		threshold  int
		plain      []int
		compressed []int
	}{
		{threshold: 0, plain: []int{0, 1, 127}, compressed: []int{128, 129, 1000, 70000, 1 << 20}},
		{threshold: 10, plain: []int{0, 9}, compressed: []int{10, 11, 127, 200}},
		{threshold: -1, compressed: []int{0, 1, 2, 127, 128}},
		{threshold: 1 << 20, plain: []int{0, 128, 1<<20 - 1}, compressed: []int{1 << 20}},
	}
	for _, tt := range tests {
		for _, connIsClient := range []bool{true, false} {
			for _, mode := range []CompressionMode{CompressionNoContextTakeover, CompressionContextTakeover} {
				t.Run(fmt.Sprintf("%d/%s/mode%d", tt.threshold, pmdRole(connIsClient), mode), func(t *testing.T) {
					c, p := pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{Compression: mode, CompressionThreshold: tt.threshold})
					var window []byte // what the peer's inflater keeps, with takeover
					send := func(n int, wantCompressed bool) {
						msg := pmdText(uint64(n), n)
						typ := MessageBinary
						if n%2 == 1 {
							typ = MessageText
						}
						done := make(chan error, 1)
						go func() { done <- c.WriteMessage(typ, msg) }()
						h, payload := pmdReadFrame(p)
						require.NoError(t, <-done)
						assert.True(t, h.fin, "one frame per message")
						assert.Equal(t, opcode(typ), h.op)
						if !wantCompressed {
							assert.Zero(t, h.rsv, "%d bytes: sent plain", n)
							assert.Equal(t, msg, payload)
							return
						}
						require.Equal(t, rsv1, int(h.rsv), "%d bytes: sent compressed", n)
						got, err := pmdInflate(payload, window)
						require.NoError(t, err, "%d bytes", n)
						assert.True(t, bytes.Equal(msg, got), "%d bytes inflate to the message", n)
						if mode == CompressionContextTakeover {
							window = append(window, got...)
						}
					}
					for _, n := range tt.plain {
						send(n, false)
					}
					for _, n := range tt.compressed {
						send(n, true)
					}
				})
			}
		}
	}
}

// TestDeflateControlFramesPlain checks that control frames never go out
// with RSV1, even when every data message is compressed: our Ping, the Pong
// answering the peer's Ping, and our Close.
func TestDeflateControlFramesPlain(t *testing.T) {
	for _, connIsClient := range []bool{true, false} {
		t.Run(pmdRole(connIsClient), func(t *testing.T) {
			c, p := pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{Compression: CompressionContextTakeover, CompressionThreshold: -1})
			payload := bytes.Repeat([]byte("ping "), 25)
			require.NoError(t, c.Ping(payload))
			h, got := pmdReadFrame(p)
			assert.Equal(t, opPing, h.op)
			assert.Zero(t, h.rsv)
			assert.Equal(t, payload, got)

			p.write(pmdFrame(p, true, 0, opPing, payload))
			readErr := make(chan error, 1)
			go func() {
				_, _, err := c.ReadMessage(nil)
				readErr <- err
			}()
			h, got = pmdReadFrame(p)
			assert.Equal(t, opPong, h.op)
			assert.Zero(t, h.rsv)
			assert.Equal(t, payload, got)

			require.NoError(t, c.WriteMessage(MessageText, []byte("x")))
			h, _ = pmdReadFrame(p)
			assert.Equal(t, rsv1, int(h.rsv), "data is compressed")

			reason := strings.Repeat("r", MaxCloseReason)
			require.NoError(t, c.StartClose(StatusGoingAway, reason))
			h, got = pmdReadFrame(p)
			assert.Equal(t, opClose, h.op)
			assert.Zero(t, h.rsv)
			assert.Equal(t, closeBody(StatusGoingAway, reason), got)
			p.write(pmdFrame(p, true, 0, opClose, closeBody(StatusGoingAway, "")))
			p.nc.Close()
			select {
			case err := <-readErr:
				var ce *CloseError
				assert.ErrorAs(t, err, &ce)
			case <-time.After(pmdTimeout):
				t.Fatal("ReadMessage did not return")
			}
		})
	}
}

// pmdSendTwice makes c send msg twice and returns the two frames' payloads.
func pmdSendTwice(t *testing.T, c *Conn, p *rawPeer, msg []byte) (first, second []byte) {
	t.Helper()
	var payloads [][]byte
	for range 2 {
		require.NoError(t, c.WriteMessageAsync(MessageText, msg))
		h, payload := pmdReadFrame(p)
		require.Equal(t, rsv1, int(h.rsv))
		payloads = append(payloads, payload)
	}
	return payloads[0], payloads[1]
}

// TestDeflateContextTakeover checks that our compressor keeps its context
// when that was agreed (the same 1 KiB message twice: the second frame is a
// back-reference, much smaller, and inflates only with the first as its
// window), and starts afresh for every message otherwise (both frames the
// same size, each inflating on its own).
func TestDeflateContextTakeover(t *testing.T) {
	msg := pmdText(7, 1<<10)
	for _, connIsClient := range []bool{true, false} {
		t.Run("takeover/"+pmdRole(connIsClient), func(t *testing.T) {
			c, p := pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{Compression: CompressionContextTakeover})
			first, second := pmdSendTwice(t, c, p, msg)
			assert.Less(t, len(second)*4, len(first), "second frame (%d bytes) much smaller than the first (%d)", len(second), len(first))
			got, err := pmdInflate(first, nil)
			require.NoError(t, err)
			assert.Equal(t, msg, got)
			got, err = pmdInflate(second, msg)
			require.NoError(t, err)
			assert.Equal(t, msg, got)
			_, err = pmdInflate(second, nil)
			assert.Error(t, err, "the second frame refers to the first")

			// A plain message in between does not touch the context.
			require.NoError(t, c.WriteMessageAsync(MessageText, []byte("tiny")))
			h, _ := pmdReadFrame(p)
			assert.Zero(t, h.rsv)
			require.NoError(t, c.WriteMessageAsync(MessageText, msg))
			h, third := pmdReadFrame(p)
			require.Equal(t, rsv1, int(h.rsv))
			assert.Less(t, len(third)*4, len(first))
			got, err = pmdInflate(third, append(append([]byte(nil), msg...), msg...))
			require.NoError(t, err)
			assert.Equal(t, msg, got)
		})

		// No context kept: by our mode, or because the peer asked.
		ownNoTakeover := deflateParams{serverNoContextTakeover: true}
		if connIsClient {
			ownNoTakeover = deflateParams{clientNoContextTakeover: true}
		}
		for _, cfg := range []struct {
			name string
			p    deflateParams
			mode CompressionMode
		}{
			{"modeNoTakeover", deflateParams{}, CompressionNoContextTakeover},
			{"peerAskedNoTakeover", ownNoTakeover, CompressionContextTakeover},
		} {
			t.Run(cfg.name+"/"+pmdRole(connIsClient), func(t *testing.T) {
				c, p := pmdRawPeer(t, connIsClient, cfg.p, ConnOptions{Compression: cfg.mode})
				first, second := pmdSendTwice(t, c, p, msg)
				assert.Equal(t, len(first), len(second))
				assert.Equal(t, first, second)
				for _, payload := range [][]byte{first, second} {
					got, err := pmdInflate(payload, nil)
					require.NoError(t, err)
					assert.Equal(t, msg, got)
				}
			})
		}
	}
}

// TestDeflateWindowLimitHuffmanOnly checks that when the peer limits our
// window under 15 bits we compress without back-references (valid for any
// window): a run of one letter, which LZ77 would shrink to a few bytes,
// costs at least a bit per byte, every time, and each frame inflates on its
// own.
func TestDeflateWindowLimitHuffmanOnly(t *testing.T) {
	msg := bytes.Repeat([]byte("a"), 4096)
	for _, connIsClient := range []bool{true, false} {
		for _, bits := range []int{8, 9, 14} {
			t.Run(fmt.Sprintf("%s/%d", pmdRole(connIsClient), bits), func(t *testing.T) {
				params := deflateParams{serverMaxWindowBits: bits}
				if connIsClient {
					params = deflateParams{clientMaxWindowBits: bits}
				}
				c, p := pmdRawPeer(t, connIsClient, params, ConnOptions{Compression: CompressionContextTakeover})
				first, second := pmdSendTwice(t, c, p, msg)
				assert.GreaterOrEqual(t, len(first), len(msg)/8, "no back-reference")
				assert.Equal(t, first, second, "no context")
				got, err := pmdInflate(second, nil)
				require.NoError(t, err)
				assert.Equal(t, msg, got)
			})
		}
		t.Run(pmdRole(connIsClient)+"/15", func(t *testing.T) {
			params := deflateParams{serverMaxWindowBits: 15, clientMaxWindowBits: 15}
			c, p := pmdRawPeer(t, connIsClient, params, ConnOptions{Compression: CompressionNoContextTakeover})
			first, _ := pmdSendTwice(t, c, p, msg)
			assert.Less(t, len(first), 100, "a full window uses LZ77")
		})
	}
}

// pmdDeflatePair returns a client and a server Conn with permessage-deflate
// in force with params p, joined over loopback TCP.
func pmdDeflatePair(t *testing.T, p deflateParams, copts, sopts ConnOptions) (client, server *Conn) {
	t.Helper()
	a, b := tcpPair(t)
	client = newConn(a, nil, connConfig{client: true, deflate: &p, opts: copts})
	server = newConn(b, nil, connConfig{client: false, deflate: &p, opts: sopts})
	t.Cleanup(func() { client.CloseNow(); server.CloseNow() })
	return client, server
}

// TestDeflateRoundTrip sends messages both ways between two Conns for
// every takeover and window combination: sizes under and over the threshold
// and past the 32 KiB window, with content that repeats earlier messages,
// so that a kept window is used and must be kept right.
func TestDeflateRoundTrip(t *testing.T) {
	combos := []struct {
		name  string
		p     deflateParams
		cmode CompressionMode
		smode CompressionMode
	}{
		{"takeover", deflateParams{}, CompressionContextTakeover, CompressionContextTakeover},
		{"clientTakeover", deflateParams{}, CompressionContextTakeover, CompressionNoContextTakeover},
		{"serverTakeover", deflateParams{}, CompressionNoContextTakeover, CompressionContextTakeover},
		{"noTakeover", deflateParams{serverNoContextTakeover: true, clientNoContextTakeover: true}, CompressionContextTakeover, CompressionContextTakeover},
		{"smallWindows", deflateParams{serverMaxWindowBits: 9, clientMaxWindowBits: 8}, CompressionContextTakeover, CompressionContextTakeover},
		{"clientSmallWindow", deflateParams{clientMaxWindowBits: 10}, CompressionContextTakeover, CompressionContextTakeover},
	}
	base := pmdText(11, 40<<10)
	sizes := []int{1, 100, 200, 5000, 200, 33000, 40 << 10, 70 << 10, 300, 0, 20000, 129}
	for _, cb := range combos {
		t.Run(cb.name, func(t *testing.T) {
			client, server := pmdDeflatePair(t, cb.p,
				ConnOptions{Compression: cb.cmode, CompressionThreshold: 100},
				ConnOptions{Compression: cb.smode, CompressionThreshold: 100})
			for round := range 2 {
				for i, n := range sizes {
					// Messages made of pieces of earlier ones.
					msg := make([]byte, 0, n)
					for len(msg) < n {
						off := (i*7919 + len(msg)*31 + round) % len(base)
						msg = append(msg, base[off:min(len(base), off+min(n-len(msg), 3000))]...)
					}
					for _, dir := range []struct{ from, to *Conn }{{client, server}, {server, client}} {
						done := make(chan error, 1)
						go func() { done <- dir.from.WriteMessage(MessageBinary, msg) }()
						_, got, err := dir.to.ReadMessage(nil)
						require.NoError(t, err, "round %d, message %d (%d bytes)", round, i, n)
						require.NoError(t, <-done)
						require.True(t, bytes.Equal(msg, got), "round %d, message %d (%d bytes) differs", round, i, n)
					}
				}
			}
		})
	}
}

// TestDeflateInflaterWindow checks the window an inflater keeps for a peer
// that keeps its context: after any sequence of messages it ends with the
// last windowSize bytes inflated.
func TestDeflateInflaterWindow(t *testing.T) {
	for _, size := range []int{1 << 9, 1 << 15} {
		f := &inflater{takeover: true, windowSize: size}
		var all []byte
		lengths := []int{0, 1, 100, size - 1, 1, size, size + 1, 3, 2 * size, 7, size / 2, size / 2, size / 2, 1, 0, 5 * size, 1}
		for i, n := range lengths {
			p := pmdRandom(uint64(i), n)
			f.remember(p)
			all = append(all, p...)
			want := all[max(0, len(all)-size):]
			got := f.window[max(0, len(f.window)-f.windowSize):]
			require.True(t, bytes.Equal(want, got), "window %d after message %d (%d bytes)", size, i, n)
			assert.LessOrEqual(t, cap(f.window), 2*size, "the window stays bounded")
		}
	}
}

// TestDeflateBomb checks a compression bomb: 10 MiB of zeros in a few KiB,
// against a 1 MiB limit. ReadMessage fails with ErrMessageTooBig and Close
// 1009, having allocated about the limit, not the 10 MiB.
func TestDeflateBomb(t *testing.T) {
	const limit = 1 << 20
	z := pmdCompress(t, make([]byte, 10<<20), flate.BestCompression)
	require.Less(t, len(z), 64<<10)
	for _, connIsClient := range []bool{true, false} {
		t.Run(pmdRole(connIsClient), func(t *testing.T) {
			c, p := pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{MaxMessageSize: limit})
			p.write(pmdFrame(p, true, rsv1, opBinary, z))
			var before, after runtimeMem
			before.read()
			_, got, err := c.ReadMessage(nil)
			after.read()
			assert.ErrorIs(t, err, ErrMessageTooBig)
			assert.Empty(t, got)
			alloc := after.totalAlloc - before.totalAlloc
			assert.Less(t, alloc, uint64(3*limit), "allocated %d bytes reading a bomb under a %d limit", alloc, limit)
			code, _ := p.expectClose()
			assert.Equal(t, StatusMessageTooBig, code)
		})
	}
}

// TestDeflateLimit checks the limit on a compressed message's inflated
// size: exactly at MaxMessageSize it is accepted, one byte over it is a
// 1009, and a fragmented one over it is too.
func TestDeflateLimit(t *testing.T) {
	const limit = 1 << 20
	for _, connIsClient := range []bool{true, false} {
		t.Run(pmdRole(connIsClient), func(t *testing.T) {
			c, p := pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{MaxMessageSize: limit})
			p.write(pmdFrame(p, true, rsv1, opBinary, pmdCompress(t, make([]byte, limit), flate.BestSpeed)))
			_, got, err := c.ReadMessage(nil)
			require.NoError(t, err)
			assert.Len(t, got, limit)

			// With a reused buffer holding earlier bytes, the limit is on
			// the message alone.
			p.write(pmdFrame(p, true, rsv1, opBinary, pmdCompress(t, make([]byte, limit), flate.BestSpeed)))
			_, got, err = c.ReadMessage(got[:10])
			require.NoError(t, err)
			assert.Len(t, got, 10+limit)

			z := pmdCompress(t, make([]byte, limit+1), flate.BestSpeed)
			p.write(pmdFrame(p, false, rsv1, opBinary, z[:len(z)/2]), pmdFrame(p, true, 0, opContinuation, z[len(z)/2:]))
			_, _, err = c.ReadMessage(nil)
			assert.ErrorIs(t, err, ErrMessageTooBig)
			code, _ := p.expectClose()
			assert.Equal(t, StatusMessageTooBig, code)
		})
	}
}

// TestDeflateIncompressibleAtLimit checks that the limit is on the message,
// not on its compressed form: an incompressible message of exactly
// MaxMessageSize bytes, which a peer (a browser compresses every message)
// sends in stored blocks a few bytes longer than the message, is accepted.
func TestDeflateIncompressibleAtLimit(t *testing.T) {
	const limit = 256 << 10
	msg := pmdRandom(5, limit)
	for _, level := range []int{flate.NoCompression, flate.BestSpeed} {
		c, p := pmdRawPeer(t, false, deflateParams{}, ConnOptions{MaxMessageSize: limit})
		z := pmdCompress(t, msg, level)
		require.Greater(t, len(z), limit, "stored blocks cost a few bytes each")
		go p.nc.Write(pmdFrame(p, true, rsv1, opBinary, z))
		_, got, err := c.ReadMessage(nil)
		require.NoError(t, err, "level %d: %d-byte message (%d compressed) under a %d limit", level, len(msg), len(z), limit)
		assert.True(t, bytes.Equal(msg, got))
	}
}

// TestDeflateCompressedTooBig checks the bound on a compressed message's
// own size: a frame announcing far more compressed bytes than any message
// under the limit needs is a 1009 at once, before its payload comes.
func TestDeflateCompressedTooBig(t *testing.T) {
	const limit = 1 << 20
	for _, connIsClient := range []bool{true, false} {
		t.Run(pmdRole(connIsClient), func(t *testing.T) {
			c, p := pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{MaxMessageSize: limit})
			h := header{fin: true, rsv: rsv1, op: opBinary, masked: p.client, key: pmdMaskKey, length: 2 * limit}
			p.write(appendHeader(nil, h), []byte{0x00})
			_, _, err := c.ReadMessage(nil)
			assert.ErrorIs(t, err, ErrMessageTooBig)
			code, _ := p.expectClose()
			assert.Equal(t, StatusMessageTooBig, code)
		})
	}
}

// TestDeflateUnlimitedLarge checks compressed messages with no MaxMessageSize
// (negative): they inflate whole, small and large.
func TestDeflateUnlimitedLarge(t *testing.T) {
	for _, connIsClient := range []bool{true, false} {
		t.Run(pmdRole(connIsClient), func(t *testing.T) {
			c, p := pmdRawPeer(t, connIsClient, deflateParams{}, ConnOptions{MaxMessageSize: -1})
			for _, msg := range [][]byte{[]byte("Hello"), make([]byte, 3<<20), pmdRandom(9, 100<<10)} {
				go p.nc.Write(pmdFrame(p, true, rsv1, opBinary, pmdCompress(t, msg, flate.BestSpeed)))
				_, got, err := c.ReadMessage(nil)
				require.NoError(t, err)
				assert.True(t, bytes.Equal(msg, got), "%d bytes", len(msg))
			}
		})
	}
}
