package native

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t testing.TB) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	a, err = net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	r := <-ch
	require.NoError(t, r.err)
	t.Cleanup(func() { a.Close(); r.c.Close() })
	return a, r.c
}

// connPair returns a client and a server Conn joined over loopback TCP,
// skipping the opening handshake.
func connPair(t testing.TB, opts ConnOptions) (client, server *Conn) {
	t.Helper()
	a, b := tcpPair(t)
	client = newConn(a, nil, connConfig{client: true, opts: opts})
	server = newConn(b, nil, connConfig{client: false, opts: opts})
	return client, server
}

// rawPeer is the far end of a Conn under test, speaking raw frames.
type rawPeer struct {
	t      testing.TB
	nc     net.Conn
	br     *bufio.Reader
	client bool // the peer is a client: it masks what it sends
}

// newRawPeer returns a Conn (client or server as asked) and a raw peer
// playing the other role.
func newRawPeer(t testing.TB, connIsClient bool, opts ConnOptions) (*Conn, *rawPeer) {
	t.Helper()
	a, b := tcpPair(t)
	c := newConn(a, nil, connConfig{client: connIsClient, opts: opts})
	return c, &rawPeer{t: t, nc: b, br: bufio.NewReader(b), client: !connIsClient}
}

// frame encodes one frame the way this peer's role would, with any header
// bits the test wants.
func (p *rawPeer) frame(fin bool, op opcode, payload []byte) []byte {
	h := header{fin: fin, op: op, masked: p.client, length: int64(len(payload))}
	if p.client {
		h.key = 0x5a5aa5a5
	}
	b := appendHeader(nil, h)
	off := len(b)
	b = append(b, payload...)
	if p.client {
		mask(b[off:], h.key)
	}
	return b
}

func (p *rawPeer) write(bs ...[]byte) {
	p.t.Helper()
	_, err := p.nc.Write(bytes.Join(bs, nil))
	require.NoError(p.t, err)
}

// readFrame reads one frame sent by the Conn under test, unmasked.
func (p *rawPeer) readFrame() (header, []byte, error) {
	p.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := p.br.Peek(2)
	if err != nil {
		return header{}, nil, err
	}
	size := 2 + map[byte]int{126: 2, 127: 8}[b[1]&0x7f]
	if b[1]&0x80 != 0 {
		size += 4
	}
	if b, err = p.br.Peek(size); err != nil {
		return header{}, nil, err
	}
	h, n, err := parseHeader(b)
	if err != nil {
		return h, nil, err
	}
	p.br.Discard(n)
	payload := make([]byte, h.length)
	if _, err := io.ReadFull(p.br, payload); err != nil {
		return h, nil, err
	}
	if h.masked {
		mask(payload, h.key)
	}
	return h, payload, nil
}

// expectClose reads frames until a Close and returns its code and reason.
func (p *rawPeer) expectClose() (StatusCode, string) {
	p.t.Helper()
	for {
		h, payload, err := p.readFrame()
		require.NoError(p.t, err)
		if h.op != opClose {
			continue
		}
		if len(payload) == 0 {
			return StatusNoStatusRcvd, ""
		}
		require.GreaterOrEqual(p.t, len(payload), 2)
		return StatusCode(binary.BigEndian.Uint16(payload)), string(payload[2:])
	}
}

// expectEOF asserts the Conn under test dropped TCP.
func (p *rawPeer) expectEOF() {
	p.t.Helper()
	p.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.Copy(io.Discard, p.br)
	require.NoError(p.t, err, "want EOF, got an error (not a clean drop)")
}

func closeBody(code StatusCode, reason string) []byte {
	return appendClosePayload(nil, code, reason)
}

func TestConnMessageSizes(t *testing.T) {
	client, server := connPair(t, ConnOptions{})
	sizes := []int{0, 1, 125, 126, 65535, 65536, 4 << 20}
	for _, typ := range []MessageType{MessageText, MessageBinary} {
		for _, size := range sizes {
			msg := bytes.Repeat([]byte("w3ws"), size/4+1)[:size]
			for _, dir := range []struct {
				name     string
				from, to *Conn
			}{{"clientToServer", client, server}, {"serverToClient", server, client}} {
				done := make(chan error, 1)
				go func() { done <- dir.from.WriteMessage(typ, msg) }()
				gotTyp, got, err := dir.to.ReadMessage(nil)
				require.NoError(t, err)
				require.NoError(t, <-done)
				assert.Equal(t, typ, gotTyp, "%s %d %s", typ, size, dir.name)
				assert.True(t, bytes.Equal(msg, got), "%s %d %s", typ, size, dir.name)
			}
		}
	}
}

func TestConnFragmentedWithPing(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{})
	// "Hel" + ping + "lo" + a 4-byte code point split across frames.
	p.write(
		p.frame(false, opText, []byte("Hel")),
		p.frame(true, opPing, []byte("are you there")),
		p.frame(false, opContinuation, []byte("lo \xf0\x9f")),
		p.frame(true, opContinuation, []byte("\x98\x80")),
	)
	typ, msg, err := c.ReadMessage(nil)
	require.NoError(t, err)
	assert.Equal(t, MessageText, typ)
	assert.Equal(t, "Hello 😀", string(msg))
	h, payload, err := p.readFrame()
	require.NoError(t, err)
	assert.Equal(t, opPong, h.op)
	assert.True(t, h.masked, "a client masks its pong")
	assert.Equal(t, "are you there", string(payload))
}

func TestConnPeerCloses(t *testing.T) {
	tests := []struct {
		name      string
		body      []byte
		wantCode  StatusCode
		wantEcho  StatusCode
		wantReply string
	}{
		{"codeAndReason", closeBody(4002, "server bye"), 4002, 4002, "server bye"},
		{"empty", nil, StatusNoStatusRcvd, StatusNoStatusRcvd, ""},
		{"code999", closeBody(999, ""), 999, 999, ""},
		{"code2999", closeBody(2999, ""), 2999, 2999, ""},
		{"code5000", closeBody(5000, "x"), 5000, 5000, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, p := newRawPeer(t, true, ConnOptions{})
			var sawPeerClose StatusCode
			c.cfg.opts.OnPeerClose = func(code StatusCode, _ string) { sawPeerClose = code }
			p.write(p.frame(true, opBinary, []byte("last")), p.frame(true, opClose, tt.body))
			_, msg, err := c.ReadMessage(nil)
			require.NoError(t, err)
			assert.Equal(t, "last", string(msg))

			result := make(chan error, 1)
			go func() { _, _, err := c.ReadMessage(nil); result <- err }()
			code, reason := p.expectClose()
			assert.Equal(t, tt.wantEcho, code)
			assert.Equal(t, tt.wantReply, reason)
			p.nc.Close() // the server drops TCP first
			err = <-result
			var ce *CloseError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.wantCode, ce.Code)
			assert.Equal(t, tt.wantReply, ce.Reason)
			assert.Equal(t, tt.wantCode, sawPeerClose)
			<-c.Done()
			assert.ErrorIs(t, c.WriteMessage(MessageText, []byte("late")), ErrClosed)
		})
	}
}

func TestConnClientWaitsForServerDrop(t *testing.T) {
	// The server answers but keeps TCP open: the client drops it itself
	// after DefaultDropTimeout and still reports a clean close.
	c, p := newRawPeer(t, true, ConnOptions{})
	p.write(p.frame(true, opClose, closeBody(1000, "keep")))
	start := time.Now()
	_, _, err := c.ReadMessage(nil)
	var ce *CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, StatusNormalClosure, ce.Code)
	assert.GreaterOrEqual(t, time.Since(start), DefaultDropTimeout-100*time.Millisecond)
	p.expectClose()
	p.expectEOF()
}

func TestConnServerDropsAfterCloseReply(t *testing.T) {
	c, p := newRawPeer(t, false, ConnOptions{})
	p.write(p.frame(true, opClose, closeBody(1001, "bye")))
	_, _, err := c.ReadMessage(nil)
	var ce *CloseError
	require.ErrorAs(t, err, &ce)
	code, reason := p.expectClose()
	assert.Equal(t, StatusGoingAway, code)
	assert.Equal(t, "bye", reason)
	p.expectEOF()
}

func TestConnCloseInitiated(t *testing.T) {
	for _, withReader := range []bool{false, true} {
		name := map[bool]string{false: "noReader", true: "withReader"}[withReader]
		t.Run(name, func(t *testing.T) {
			client, server := connPair(t, ConnOptions{})
			serverErr := make(chan error, 1)
			go func() {
				for {
					if _, _, err := server.ReadMessage(nil); err != nil {
						serverErr <- err
						return
					}
				}
			}()
			readerErr := make(chan error, 1)
			if withReader {
				go func() {
					for {
						if _, _, err := client.ReadMessage(nil); err != nil {
							readerErr <- err
							return
						}
					}
				}()
			}
			require.NoError(t, client.WriteMessage(MessageText, []byte("before close")))
			require.NoError(t, client.Close(4001, "bye"))
			var ce *CloseError
			require.ErrorAs(t, <-serverErr, &ce)
			assert.Equal(t, StatusCode(4001), ce.Code)
			assert.Equal(t, "bye", ce.Reason)
			if withReader {
				require.ErrorAs(t, <-readerErr, &ce)
				assert.Equal(t, StatusCode(4001), ce.Code, "the reply echoes our code")
			}
			<-client.Done()
			<-server.Done()
		})
	}
}

func TestConnCloseEmpty(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{})
	done := make(chan error, 1)
	go func() { done <- c.Close(0, "") }()
	h, payload, err := p.readFrame()
	require.NoError(t, err)
	assert.Equal(t, opClose, h.op)
	assert.Empty(t, payload, "no code: an empty Close body")
	p.write(p.frame(true, opClose, nil))
	p.nc.Close()
	require.NoError(t, <-done)
}

func TestConnCloseValidation(t *testing.T) {
	c, _ := connPair(t, ConnOptions{})
	assert.ErrorIs(t, c.Close(1005, ""), ErrInvalidCloseCode)
	assert.ErrorIs(t, c.Close(1006, ""), ErrInvalidCloseCode)
	assert.ErrorIs(t, c.Close(999, ""), ErrInvalidCloseCode)
	assert.ErrorIs(t, c.Close(5000, ""), ErrInvalidCloseCode)
	assert.ErrorIs(t, c.Close(1000, string(bytes.Repeat([]byte("a"), 124))), ErrCloseReasonTooLong)
	assert.Error(t, c.Close(1000, "\xff"))
}

func TestConnCloseTimeout(t *testing.T) {
	// A peer that never answers our Close and never drops TCP.
	c, p := newRawPeer(t, true, ConnOptions{CloseTimeout: 200 * time.Millisecond})
	go io.Copy(io.Discard, p.nc)
	start := time.Now()
	err := c.Close(StatusNormalClosure, "")
	assert.ErrorIs(t, err, ErrCloseTimeout)
	assert.Less(t, time.Since(start), 3*time.Second)
	<-c.Done()
}

func TestConnCloseTimeoutWithReader(t *testing.T) {
	c, p := newRawPeer(t, false, ConnOptions{CloseTimeout: 200 * time.Millisecond})
	go io.Copy(io.Discard, p.nc)
	readErr := make(chan error, 1)
	go func() { _, _, err := c.ReadMessage(nil); readErr <- err }()
	assert.ErrorIs(t, c.Close(StatusNormalClosure, ""), ErrCloseTimeout)
	assert.Error(t, <-readErr)
}

func TestConnPeerDropsWithoutCloseReply(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{})
	go func() {
		p.readFrame()
		p.nc.Close()
	}()
	err := c.Close(StatusNormalClosure, "")
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrCloseTimeout)
}

func TestConnProtocolViolations(t *testing.T) {
	type vio struct {
		name     string
		frames   func(p *rawPeer) [][]byte
		want     error
		wantCode StatusCode
	}
	tests := []vio{
		{"invalidUTF8Text", func(p *rawPeer) [][]byte { return [][]byte{p.frame(true, opText, []byte("a\xffb"))} }, ErrInvalidUTF8, 1007},
		{"invalidUTF8AcrossFragments", func(p *rawPeer) [][]byte {
			return [][]byte{p.frame(false, opText, []byte("\xe2\x82")), p.frame(true, opContinuation, []byte("x"))}
		}, ErrInvalidUTF8, 1007},
		{"truncatedUTF8AtEnd", func(p *rawPeer) [][]byte { return [][]byte{p.frame(true, opText, []byte("\xe2\x82"))} }, ErrInvalidUTF8, 1007},
		{"reservedOpcode", func(p *rawPeer) [][]byte { return [][]byte{rawBytes(0x83, 0x00)} }, ErrUnknownOpcode, 1002},
		{"rsv1", func(p *rawPeer) [][]byte { return [][]byte{rawBytes(0xc1, 0x00)} }, ErrReservedBits, 1002},
		{"maskedFromServer", func(p *rawPeer) [][]byte { return [][]byte{rawBytes(0x81, 0x80, 1, 2, 3, 4)} }, ErrMaskedFrame, 1002},
		{"ping126", func(p *rawPeer) [][]byte { return [][]byte{p.frame(true, opPing, make([]byte, 126))} }, ErrControlTooLong, 1002},
		{"fragmentedPing", func(p *rawPeer) [][]byte { return [][]byte{p.frame(false, opPing, nil)} }, ErrControlFragmented, 1002},
		{"nonMinimalLength", func(p *rawPeer) [][]byte { return [][]byte{rawBytes(0x82, 0x7e, 0x00, 0x05, 1, 2, 3, 4, 5)} }, ErrNonMinimalLength, 1002},
		{"strayContinuation", func(p *rawPeer) [][]byte { return [][]byte{p.frame(true, opContinuation, []byte("x"))} }, ErrUnexpectedCont, 1002},
		{"newMessageMidFragment", func(p *rawPeer) [][]byte {
			return [][]byte{p.frame(false, opText, []byte("a")), p.frame(true, opBinary, []byte("b"))}
		}, ErrDataFrameUnfinished, 1002},
		{"close1005", func(p *rawPeer) [][]byte { return [][]byte{p.frame(true, opClose, closeBody(1005, ""))} }, errCloseBadCode, 1002},
		{"close1006", func(p *rawPeer) [][]byte { return [][]byte{p.frame(true, opClose, closeBody(1006, ""))} }, errCloseBadCode, 1002},
		{"close1015", func(p *rawPeer) [][]byte { return [][]byte{p.frame(true, opClose, closeBody(1015, ""))} }, errCloseBadCode, 1002},
		{"closeOneByte", func(p *rawPeer) [][]byte { return [][]byte{p.frame(true, opClose, []byte{3})} }, errCloseOneByte, 1002},
		{"closeBadUTF8", func(p *rawPeer) [][]byte { return [][]byte{p.frame(true, opClose, closeBody(1000, "\xff"))} }, errCloseBadUTF8, 1007},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, p := newRawPeer(t, true, ConnOptions{})
			// A complete message before the violation is delivered first.
			p.write(p.frame(true, opText, []byte("first")))
			p.write(tt.frames(p)...)
			_, msg, err := c.ReadMessage(nil)
			require.NoError(t, err)
			assert.Equal(t, "first", string(msg))
			_, _, err = c.ReadMessage(nil)
			assert.ErrorIs(t, err, tt.want)
			code, _ := p.expectClose()
			assert.Equal(t, tt.wantCode, code)
			p.expectEOF()
			_, _, again := c.ReadMessage(nil)
			assert.Equal(t, err, again, "errors are final")
		})
	}
	t.Run("unmaskedFromClient", func(t *testing.T) {
		c, p := newRawPeer(t, false, ConnOptions{})
		p.write(rawBytes(0x81, 0x01, 'a'))
		_, _, err := c.ReadMessage(nil)
		assert.ErrorIs(t, err, ErrUnmaskedFrame)
		code, _ := p.expectClose()
		assert.Equal(t, StatusProtocolError, code)
		p.expectEOF()
	})
}

func rawBytes(b ...byte) []byte { return b }

func TestConnMaxMessageSize(t *testing.T) {
	t.Run("singleFrame", func(t *testing.T) {
		c, p := newRawPeer(t, true, ConnOptions{MaxMessageSize: 1000})
		p.write(p.frame(true, opBinary, make([]byte, 1000)))
		_, msg, err := c.ReadMessage(nil)
		require.NoError(t, err)
		assert.Len(t, msg, 1000)
		p.write(p.frame(true, opBinary, make([]byte, 1001)))
		_, _, err = c.ReadMessage(nil)
		assert.ErrorIs(t, err, ErrMessageTooBig)
		code, _ := p.expectClose()
		assert.Equal(t, StatusMessageTooBig, code)
	})
	t.Run("acrossFragments", func(t *testing.T) {
		c, p := newRawPeer(t, true, ConnOptions{MaxMessageSize: 1000})
		p.write(p.frame(false, opBinary, make([]byte, 600)), p.frame(true, opContinuation, make([]byte, 600)))
		_, _, err := c.ReadMessage(nil)
		assert.ErrorIs(t, err, ErrMessageTooBig)
		code, _ := p.expectClose()
		assert.Equal(t, StatusMessageTooBig, code)
	})
	t.Run("hugeAnnouncedLengthAllocatesNothing", func(t *testing.T) {
		c, p := newRawPeer(t, true, ConnOptions{MaxMessageSize: 1 << 20})
		// Announce 2^62 bytes; send none of them.
		p.write(rawBytes(0x82, 0x7f, 0x40, 0, 0, 0, 0, 0, 0, 0))
		allocs := testing.AllocsPerRun(1, func() {
			_, _, err := c.ReadMessage(nil)
			assert.ErrorIs(t, err, ErrMessageTooBig)
		})
		assert.Less(t, allocs, 20.0)
	})
	t.Run("largeFrameGrowsWithData", func(t *testing.T) {
		// Under the limit, a frame announced as 64 MiB that delivers 3 MiB and
		// then drops must not have allocated 64 MiB.
		c, p := newRawPeer(t, true, ConnOptions{MaxMessageSize: 128 << 20})
		p.write(rawBytes(0x82, 0x7f, 0, 0, 0, 0, 0x04, 0, 0, 0), make([]byte, 3<<20))
		p.nc.Close()
		var before, after runtimeMem
		before.read()
		_, _, err := c.ReadMessage(nil)
		after.read()
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Less(t, after.totalAlloc-before.totalAlloc, uint64(16<<20))
	})
}

func TestConnPeerDropsMidFrame(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{})
	p.write(rawBytes(0x82, 0x7e, 0x01, 0x00), make([]byte, 100))
	p.nc.Close()
	_, _, err := c.ReadMessage(nil)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	var pe *ProtocolError
	assert.False(t, errors.As(err, &pe))
	<-c.Done()
}

func TestConnPeerDropsBetweenFrames(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{})
	p.nc.Close()
	_, _, err := c.ReadMessage(nil)
	assert.ErrorIs(t, err, io.EOF)
}

func TestConnConcurrentWriters(t *testing.T) {
	client, server := connPair(t, ConnOptions{})
	const writers, perWriter = 8, 200
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				msg := make([]byte, 2+i%300)
				binary.BigEndian.PutUint16(msg, uint16(w))
				rand.Read(msg[2:])
				var err error
				if i%2 == 0 {
					err = client.WriteMessage(MessageBinary, msg)
				} else {
					err = client.WriteMessageAsync(MessageBinary, msg)
				}
				assert.NoError(t, err)
			}
		}()
	}
	counts := make([]int, writers)
	for i := 0; i < writers*perWriter; i++ {
		_, msg, err := server.ReadMessage(nil)
		require.NoError(t, err)
		counts[binary.BigEndian.Uint16(msg)]++
	}
	wg.Wait()
	for _, n := range counts {
		assert.Equal(t, perWriter, n)
	}
}

func TestConnWriteMessageAsyncReportsWritten(t *testing.T) {
	var mu sync.Mutex
	written := 0
	a, b := tcpPair(t)
	client := newConn(a, nil, connConfig{client: true, opts: ConnOptions{OnWritten: func(n int, err error) {
		mu.Lock()
		written += n
		mu.Unlock()
	}}})
	server := newConn(b, nil, connConfig{})
	total := 0
	for i := 0; i < 100; i++ {
		require.NoError(t, client.WriteMessageAsync(MessageText, []byte("hello")))
		total += 5
	}
	for i := 0; i < 100; i++ {
		_, msg, err := server.ReadMessage(nil)
		require.NoError(t, err)
		require.Equal(t, "hello", string(msg))
	}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return written == total
	}, 5*time.Second, time.Millisecond)
}

func TestConnPing(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{})
	require.NoError(t, c.Ping([]byte("hb")))
	h, payload, err := p.readFrame()
	require.NoError(t, err)
	assert.Equal(t, opPing, h.op)
	assert.Equal(t, "hb", string(payload))
	assert.ErrorIs(t, c.Ping(make([]byte, 126)), ErrControlPayload)
	// A pong from the peer is consumed silently.
	p.write(p.frame(true, opPong, []byte("hb")), p.frame(true, opText, []byte("after")))
	_, msg, err := c.ReadMessage(nil)
	require.NoError(t, err)
	assert.Equal(t, "after", string(msg))
}

func TestConnInvalidMessageType(t *testing.T) {
	c, _ := connPair(t, ConnOptions{})
	assert.Error(t, c.WriteMessage(MessageType(9), nil))
	assert.Error(t, c.WriteMessageAsync(MessageType(0), nil))
}

func TestConnDataAfterClose(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{})
	p.write(p.frame(true, opClose, closeBody(1000, "")), p.frame(true, opText, []byte("late")))
	_, _, err := c.ReadMessage(nil)
	assert.ErrorIs(t, err, ErrDataAfterClose)
	code, _ := p.expectClose()
	assert.Equal(t, StatusNormalClosure, code, "our echo went out before the violation was seen")
	p.expectEOF()
}
