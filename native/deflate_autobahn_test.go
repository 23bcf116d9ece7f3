//go:build !js

package native

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/internal/leaktest"
)

// This file reproduces, without Docker or Python, what the Autobahn
// testsuite's permessage-deflate categories 12 and 13 check
// (autobahntestsuite/case/case12_x_x.py in crossbario/autobahn-testsuite,
// with the offer, accept and compressor semantics of autobahn-python's
// websocket/compress_deflate.py), in both roles of the engine:
//
//   - server role (Autobahn's "fuzzingclient" mode): a hand-made client
//     sends each case's Sec-WebSocket-Extensions offer to Accept, checks the
//     answer against the offer, then plays the case against an echo loop;
//   - client role ("fuzzingserver" mode): Dial against a hand-made server
//     that answers each case's accept parameters, then plays the case
//     against our client's echo loop.
//
// A case sends messages one at a time and waits for each echo. As Autobahn
// does, the peer compresses every message (zlib's default level 6 there,
// compress/flate's here, with or without context takeover as negotiated)
// and, with an auto-fragment size, cuts the compressed payload into frames
// of that many bytes (RSV1 on the first only; a payload that is an exact
// multiple of the size ends with an empty final continuation, as
// autobahn's sendMessage does). Each echo must come back with the same
// type and bytes, compressed (the engine runs with CompressionThreshold -1
// so that every echo is), with RSV1 on its first frame only. The peer
// inflates what the engine sent with its own DEFLATE decoder
// (abInflate), which, like zlib with windowBits -N, refuses any
// back-reference further than the negotiated window (2^N bytes, N from
// server_max_window_bits or client_max_window_bits, 15 when absent), and
// forgets the previous message when the engine promised
// *_no_context_takeover. A case ends as Autobahn's do: the peer closes with
// 1000 and expects 1000 back and a clean TCP close.
//
// Scaled down, to run in seconds under -race: Autobahn sends 1000 messages
// in every case; abCount sends about abBudget bytes per case, from 8
// messages (16 to 1024 bytes) down to 2 (4 KiB and more, so that a kept
// context is used by a second message), and 1 in the auto-fragmented cases
// of 64 and 128 KiB. The peer compresses messages over 16 KiB at BestSpeed
// rather than zlib's level 6 (abPeerLevel). Every message size,
// auto-fragment size, data set and offer/accept parameter set is kept.
//
// The five data sets are synthetic look-alikes of Autobahn's files (same
// size and kind: report JSON, 8-bit BMP, German text, report HTML, PDF with
// compressed streams), generated here: the repository holds no copy of
// them.

// abTimeout bounds each case's connection.
const abTimeout = 30 * time.Second

// Message count scaling (see the file comment).
const (
	abBudget   = 8 << 10
	abMaxCount = 8
	abMinCount = 2
)

// abCount is how many of Autobahn's 1000 messages a case sends: about
// abBudget bytes, at most abMaxCount and at least abMinCount messages, but
// one for the auto-fragmented cases of 64 KiB and 128 KiB, whose second
// message would test nothing the unfragmented cases of the same sizes and
// the fragmented ones of 32 KiB do not.
func abCount(size, frag int) int {
	if frag > 0 && size > 32<<10 {
		return 1
	}
	return min(max(abBudget/size, abMinCount), abMaxCount)
}

// abMsgSizes is Autobahn's MSG_SIZES: payload length and auto-fragment size
// (0: one frame). Every case sends 1000 messages there.
var abMsgSizes = []struct{ size, frag int }{
	{16, 0}, {64, 0}, {256, 0}, {1024, 0}, {4096, 0}, {8192, 0}, {16384, 0},
	{32768, 0}, {65536, 0}, {131072, 0},
	{8192, 256}, {16384, 256}, {32768, 256}, {65536, 256}, {131072, 256},
	{131072, 1024}, {131072, 4096}, {131072, 32768},
}

// abOffer is one PerMessageDeflateOffer of an Autobahn client:
// (requestNoContextTakeover, requestMaxWindowBits). Its
// acceptNoContextTakeover and acceptMaxWindowBits are always the defaults,
// true, so client_no_context_takeover and client_max_window_bits are always
// in the offer.
type abOffer struct {
	noContextTakeover bool
	maxWindowBits     int
}

// String is autobahn's PerMessageDeflateOffer.get_extension_string.
func (o abOffer) String() string {
	s := "permessage-deflate; client_no_context_takeover; client_max_window_bits"
	if o.noContextTakeover {
		s += "; server_no_context_takeover"
	}
	if o.maxWindowBits != 0 {
		s += fmt.Sprintf("; server_max_window_bits=%d", o.maxWindowBits)
	}
	return s
}

// abAccept is one way an Autobahn server accepts an offer (the
// PerMessageDeflateOfferAccept of its accept1..accept7):
// (requestNoContextTakeover, requestMaxWindowBits), the client_* parameters
// it asks of the client.
type abAccept struct {
	noContextTakeover bool
	maxWindowBits     int
}

// abDeflateParams is one of Autobahn's DEFLATE_PARAMS: the client's offers
// and the server's accept function, as a list of accepts tried in order
// (accept7 tries accept5, then accept2, then accept1).
type abDeflateParams struct {
	offers  []abOffer
	accepts []abAccept
}

// abDefault is case 12's "default permessage-deflate offer", and 13.1.
var abDefault = abDeflateParams{[]abOffer{{false, 0}}, []abAccept{{false, 0}}}

// abCategory13 is Autobahn's DEFLATE_PARAMS, cases 13.1 to 13.7.
var abCategory13 = []abDeflateParams{
	abDefault,
	{[]abOffer{{true, 0}}, []abAccept{{true, 0}}},
	{[]abOffer{{false, 9}}, []abAccept{{false, 9}}},
	{[]abOffer{{false, 15}}, []abAccept{{false, 15}}},
	{[]abOffer{{true, 9}}, []abAccept{{true, 9}}},
	{[]abOffer{{true, 15}}, []abAccept{{true, 15}}},
	{[]abOffer{{true, 9}, {true, 0}, {false, 0}}, []abAccept{{true, 9}, {true, 0}, {false, 0}}},
}

// abCase is one Autobahn case.
type abCase struct {
	id     string
	data   func() *abData
	size   int
	frag   int
	params abDeflateParams
}

// abCases lists cases 12.1.1 to 13.7.18.
func abCases() []abCase {
	var cases []abCase
	for j, d := range abDataSets {
		for i, s := range abMsgSizes {
			cases = append(cases, abCase{fmt.Sprintf("12.%d.%d", j+1, i+1), d, s.size, s.frag, abDefault})
		}
	}
	for j, p := range abCategory13 {
		for i, s := range abMsgSizes {
			cases = append(cases, abCase{fmt.Sprintf("13.%d.%d", j+1, i+1), abJSON, s.size, s.frag, p})
		}
	}
	return cases
}

// TestAutobahnDeflate runs cases 12.1.1 to 13.7.18 in both roles of the
// engine and in both compression modes.
func TestAutobahnDeflate(t *testing.T) {
	leaktest.Check(t, 5*time.Second)
	cases := abCases()
	modes := []struct {
		name string
		mode CompressionMode
	}{
		{"takeover", CompressionContextTakeover},
		{"no-takeover", CompressionNoContextTakeover},
	}
	for _, role := range []string{"server", "client"} {
		for _, m := range modes {
			t.Run(role+"/"+m.name, func(t *testing.T) {
				for _, c := range cases {
					t.Run(c.id, func(t *testing.T) {
						// Cases are independent connections; two at a
						// time keep both cores busy.
						t.Parallel()
						if role == "server" {
							abRunServer(t, m.mode, c)
						} else {
							abRunClient(t, m.mode, c)
						}
					})
				}
			})
		}
	}
}

// abConnOptions are the engine's options in every case: compression on in
// mode, and every message compressed (the default threshold would send
// Autobahn's 16- and 64-byte messages uncompressed, which is valid but
// leaves them untested here).
func abConnOptions(mode CompressionMode) ConnOptions {
	return ConnOptions{Compression: mode, CompressionThreshold: -1}
}

// abRunServer plays case c as Autobahn's fuzzingclient against Accept.
func abRunServer(t *testing.T, mode CompressionMode, c abCase) {
	type accepted struct {
		conn *Conn
		err  error
	}
	acceptedCh := make(chan accepted, 1)
	echoDone := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := Accept(w, r, &AcceptOptions{ConnOptions: abConnOptions(mode)})
		acceptedCh <- accepted{conn, err}
		if err != nil {
			return
		}
		echoDone <- interopNativeEcho(conn)
	}))
	t.Cleanup(srv.Close)

	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(abTimeout))

	var offers []string
	for _, o := range c.params.offers {
		offers = append(offers, o.String())
	}
	key := base64.StdEncoding.EncodeToString([]byte(c.id + "-autobahn-key")[:16])
	_, err = fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: %s\r\n\r\n",
		srv.Listener.Addr(), key, strings.Join(offers, ", "))
	require.NoError(t, err)
	br := bufio.NewReaderSize(nc, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, abAcceptKey(key), resp.Header.Get("Sec-WebSocket-Accept"))
	a := interopRecv(t, acceptedCh, "Accept")
	require.NoError(t, a.err)
	t.Cleanup(func() { a.conn.CloseNow() })

	// The answer: one permessage-deflate element, valid (parameters
	// autobahn's client parses, windows 9 to 15), consistent with one of
	// the offers.
	values := resp.Header.Values("Sec-WebSocket-Extensions")
	p, ok, raw, err := checkDeflateResponse(values, true)
	require.NoError(t, err, "Sec-WebSocket-Extensions %q", values)
	require.True(t, ok, "permessage-deflate not accepted: Sec-WebSocket-Extensions %q", values)
	require.Equal(t, raw, a.conn.Extensions())
	if p.serverMaxWindowBits != 0 {
		require.GreaterOrEqual(t, p.serverMaxWindowBits, 9, "autobahn refuses a window under 9 bits: %q", raw)
	}
	// Autobahn's client compresses with the client_max_window_bits of the
	// answer; compress/flate cannot limit its window, so this emulation
	// needs the engine's answer (which never sets it) to leave it at 15.
	require.Contains(t, []int{0, 15}, p.clientMaxWindowBits, "answer %q", raw)
	consistent := false
	for _, o := range c.params.offers {
		if (!o.noContextTakeover || p.serverNoContextTakeover) &&
			(o.maxWindowBits == 0 && p.serverMaxWindowBits == 0 ||
				o.maxWindowBits != 0 && p.serverMaxWindowBits != 0 && p.serverMaxWindowBits <= o.maxWindowBits) {
			consistent = true
		}
	}
	require.True(t, consistent, "answer %q fits none of the offers %q", raw, offers)
	if mode == CompressionNoContextTakeover {
		assert.True(t, p.serverNoContextTakeover && p.clientNoContextTakeover,
			"CompressionNoContextTakeover answers with both *_no_context_takeover: %q", raw)
	}
	require.NotNil(t, a.conn.w.deflate, "no compression in force after answer %q", raw)
	bitsUsed := abOr(p.serverMaxWindowBits, 15)
	assert.Equal(t, bitsUsed < 15, a.conn.w.deflate.huffmanOnly,
		"the engine must compress Huffman-only exactly when its window is limited under 15 bits (%q)", raw)

	peer := newABPeer(nc, br, true, c.id)
	peer.sendTakeover = !p.clientNoContextTakeover
	peer.recvBits = bitsUsed
	peer.recvTakeover = !p.serverNoContextTakeover
	peerErr := peer.play(c)
	if peerErr != nil {
		nc.Close() // ends the echo loop, whose error tells the engine's side
	}
	echoErr := interopRecv(t, echoDone, "the server's echo loop")
	require.NoError(t, peerErr, "the engine's echo loop ended with: %v", echoErr)
	var ce *CloseError
	require.ErrorAs(t, echoErr, &ce)
	assert.Equal(t, StatusNormalClosure, ce.Code)
}

// abRunClient plays case c as Autobahn's fuzzingserver against Dial.
func abRunClient(t *testing.T, mode CompressionMode, c abCase) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	answerCh := make(chan string, 1)
	peerDone := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	// Cleanups run last to first: our end closed (below), then the
	// listener, so that the peer returns, then the wait for it.
	t.Cleanup(wg.Wait)
	t.Cleanup(func() { ln.Close() })
	go func() {
		defer wg.Done()
		defer close(answerCh)
		peerDone <- abServePeer(ln, c, answerCh)
	}()

	opts := &DialOptions{
		ConnOptions: abConnOptions(mode),
		Proxy:       func(*http.Request) (*url.URL, error) { return nil, nil },
	}
	conn, _, err := Dial(t.Context(), "ws://"+ln.Addr().String()+"/", opts)
	if err != nil {
		ln.Close()
		require.NoError(t, err, "the Autobahn server: %v", interopRecv(t, peerDone, "the Autobahn server"))
	}
	t.Cleanup(func() { conn.CloseNow() })
	answer := <-answerCh
	require.NotNil(t, conn.w.deflate, "no compression in force after answer %q", answer)
	require.Equal(t, answer, conn.Extensions(), "Extensions() is the server's element verbatim")
	p, ok, _, err := checkDeflateResponse([]string{answer}, true)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, p.clientMaxWindowBits > 0 && p.clientMaxWindowBits < 15, conn.w.deflate.huffmanOnly,
		"the engine must compress Huffman-only exactly when its window is limited under 15 bits (%q)", answer)

	echoDone := make(chan error, 1)
	go func() { echoDone <- interopNativeEcho(conn) }()
	peerErr := interopRecv(t, peerDone, "the Autobahn server")
	// The peer has closed its end: the echo loop ends either way.
	echoErr := interopRecv(t, echoDone, "the client's echo loop")
	require.NoError(t, peerErr, "the engine's echo loop ended with: %v", echoErr)
	var ce *CloseError
	require.ErrorAs(t, echoErr, &ce)
	assert.Equal(t, StatusNormalClosure, ce.Code)
}

// abServePeer is Autobahn's fuzzingserver for one connection: it reads the
// upgrade request, parses its permessage-deflate offers as autobahn does,
// picks the case's accept, answers (sending the answer on answerCh), and
// plays the case.
func abServePeer(ln net.Listener, c abCase, answerCh chan<- string) error {
	nc, err := ln.Accept()
	ln.Close()
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(abTimeout))
	br := bufio.NewReaderSize(nc, 64<<10)
	req, err := http.ReadRequest(br)
	if err != nil {
		return err
	}
	offerHeader := req.Header.Values("Sec-WebSocket-Extensions")
	exts, err := parseExtensions(offerHeader)
	if err != nil {
		return fmt.Errorf("offer %q: %w", offerHeader, err)
	}
	var offers []abParsedOffer
	for _, e := range exts {
		if e.name != deflateName {
			continue
		}
		o, err := abParseOffer(e)
		if err != nil {
			return fmt.Errorf("offer %q: %w", e.raw, err)
		}
		offers = append(offers, o)
	}
	// The accept functions of case12_x_x.py: each tries every offer in
	// order; accept7 is a list of them.
	var offer abParsedOffer
	var accept abAccept
	found := false
	for _, a := range c.params.accepts {
		for _, o := range offers {
			if (!a.noContextTakeover || o.acceptNoContextTakeover) && (a.maxWindowBits == 0 || o.acceptMaxWindowBits) {
				offer, accept, found = o, a, true
				break
			}
		}
		if found {
			break
		}
	}
	if !found {
		return fmt.Errorf("no acceptable permessage-deflate offer in %q: Autobahn reports the case UNIMPLEMENTED", offerHeader)
	}
	if offer.requestMaxWindowBits != 0 && offer.requestMaxWindowBits != 15 {
		return fmt.Errorf("offer asks server_max_window_bits=%d, which this emulation cannot honour", offer.requestMaxWindowBits)
	}
	// autobahn's PerMessageDeflateOfferAccept.get_extension_string.
	answer := deflateName
	if offer.requestNoContextTakeover {
		answer += "; server_no_context_takeover"
	}
	if offer.requestMaxWindowBits != 0 {
		answer += fmt.Sprintf("; server_max_window_bits=%d", offer.requestMaxWindowBits)
	}
	if accept.noContextTakeover {
		answer += "; client_no_context_takeover"
	}
	if accept.maxWindowBits != 0 {
		answer += fmt.Sprintf("; client_max_window_bits=%d", accept.maxWindowBits)
	}
	if _, err := fmt.Fprintf(nc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Extensions: %s\r\n\r\n",
		abAcceptKey(req.Header.Get("Sec-WebSocket-Key")), answer); err != nil {
		return err
	}
	answerCh <- answer

	// autobahn's PerMessageDeflate.create_from_offer_accept, server side.
	peer := newABPeer(nc, br, false, c.id)
	peer.sendTakeover = !offer.requestNoContextTakeover
	peer.recvBits = abOr(accept.maxWindowBits, 15)
	peer.recvTakeover = !accept.noContextTakeover
	return peer.play(c)
}

// abParsedOffer is autobahn's PerMessageDeflateOffer.parse of one element.
type abParsedOffer struct {
	acceptNoContextTakeover  bool
	acceptMaxWindowBits      bool
	requestNoContextTakeover bool
	requestMaxWindowBits     int
}

// abParseOffer parses an offer as autobahn does: acceptNoContextTakeover
// defaults to true, windows must be 9 to 15, and any other parameter or a
// repeated one is refused.
func abParseOffer(e extension) (abParsedOffer, error) {
	o := abParsedOffer{acceptNoContextTakeover: true}
	seen := map[string]bool{}
	for _, q := range e.params {
		if seen[q.name] {
			return o, fmt.Errorf("repeated %s", q.name)
		}
		seen[q.name] = true
		window := func() (int, error) {
			var n int
			if _, err := fmt.Sscanf(q.value, "%d", &n); err != nil || n < 9 || n > 15 {
				return 0, fmt.Errorf("illegal %s %q", q.name, q.value)
			}
			return n, nil
		}
		var err error
		switch q.name {
		case "client_max_window_bits":
			if q.hasValue {
				_, err = window()
			}
			o.acceptMaxWindowBits = true
		case "client_no_context_takeover", "server_no_context_takeover":
			if q.hasValue {
				err = fmt.Errorf("%s with a value", q.name)
			}
			if q.name == "server_no_context_takeover" {
				o.requestNoContextTakeover = true
			}
		case "server_max_window_bits":
			o.requestMaxWindowBits, err = window()
		default:
			err = fmt.Errorf("illegal parameter %s", q.name)
		}
		if err != nil {
			return o, err
		}
	}
	return o, nil
}

// abAcceptKey is Sec-WebSocket-Accept for key (RFC 6455 §4.2.2).
func abAcceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// abOr is v, or def when v is 0 (a window parameter left out).
func abOr(v, def int) int {
	if v != 0 {
		return v
	}
	return def
}

// abPeer is the Autobahn side of one connection: its own framing, a
// compress/flate compressor, and abInflate for what the engine sends.
type abPeer struct {
	nc     net.Conn
	br     *bufio.Reader
	client bool // the peer is the client: it masks, and the engine must not
	rng    *rand.Rand

	sendTakeover bool // the peer keeps its compression context
	fw           *flate.Writer
	zbuf         bytes.Buffer
	wbuf         []byte

	recvBits     int    // the window the engine's compressor may use, in bits
	recvTakeover bool   // the engine may refer to earlier messages
	hist         []byte // the last 2^recvBits bytes received, when recvTakeover
}

func newABPeer(nc net.Conn, br *bufio.Reader, client bool, seed string) *abPeer {
	p := &abPeer{nc: nc, br: br, client: client}
	var s [8]byte
	copy(s[:], seed)
	p.rng = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(s[:]), 7692))
	return p
}

// abPeerLevel is the peer's compression level for messages of size bytes:
// zlib's Z_DEFAULT_COMPRESSION (6), as autobahn uses, up to 16 KiB, and
// BestSpeed above, where level 6 would cost most of this file's time under
// -race (its output differs in how hard it looks for matches, not in what
// DEFLATE features it uses: dynamic blocks, 32 KiB distances, references
// into the previous message when the context is kept).
func abPeerLevel(size int) int {
	if size <= 16<<10 {
		return flate.DefaultCompression
	}
	return flate.BestSpeed
}

// abWriters keeps the peer's compressors between cases, by level: a new
// one costs about 2 ms under -race.
var abWriters struct {
	sync.Mutex
	free map[int][]*flate.Writer
}

func abGetWriter(level int, w io.Writer) *flate.Writer {
	abWriters.Lock()
	defer abWriters.Unlock()
	if l := abWriters.free[level]; len(l) > 0 {
		fw := l[len(l)-1]
		abWriters.free[level] = l[:len(l)-1]
		fw.Reset(w)
		return fw
	}
	fw, _ := flate.NewWriter(w, level) // the level is valid
	return fw
}

func abPutWriter(level int, fw *flate.Writer) {
	abWriters.Lock()
	defer abWriters.Unlock()
	if abWriters.free == nil {
		abWriters.free = map[int][]*flate.Writer{}
	}
	abWriters.free[level] = append(abWriters.free[level], fw)
}

// play sends the case's messages one at a time, checks each echo, and
// closes as Autobahn's cases do (closedByMe, 1000, clean).
func (p *abPeer) play(c abCase) error {
	d := c.data()
	level := abPeerLevel(c.size)
	p.fw = abGetWriter(level, &p.zbuf)
	defer abPutWriter(level, p.fw)
	op := byte(opBinary)
	if d.text {
		op = byte(opText)
	}
	ptr := 0
	for i := range abCount(c.size, c.frag) {
		msg := d.message(&ptr, c.size)
		if err := p.send(op, msg, c.frag); err != nil {
			return fmt.Errorf("message %d: send: %w", i, err)
		}
		gop, compressed, got, err := p.readMessage()
		if err != nil {
			return fmt.Errorf("message %d: echo: %w", i, err)
		}
		switch {
		case gop == byte(opClose):
			return fmt.Errorf("message %d: the engine sent Close %x instead of the echo", i, got)
		case gop != op:
			return fmt.Errorf("message %d: echoed with opcode %d, sent %d", i, gop, op)
		case !compressed:
			return fmt.Errorf("message %d: echo not compressed", i)
		case !bytes.Equal(got, msg):
			return fmt.Errorf("message %d: echo of %d bytes differs from the %d sent", i, len(got), len(msg))
		}
	}
	if err := p.writeFrame(true, 0, byte(opClose), []byte{0x03, 0xe8}); err != nil {
		return err
	}
	gop, _, got, err := p.readMessage()
	if err != nil {
		return fmt.Errorf("awaiting the Close: %w", err)
	}
	if gop != byte(opClose) || len(got) < 2 || binary.BigEndian.Uint16(got) != 1000 {
		return fmt.Errorf("got opcode %d %x, want Close 1000", gop, got)
	}
	if p.client {
		// The server closes TCP first (RFC 6455 §7.1.1).
		if n, err := p.br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			return fmt.Errorf("after the closing handshake: %d bytes, %v; want EOF", n, err)
		}
	}
	return p.nc.Close()
}

// send compresses msg as one message (sync flush, tail stripped) and sends
// it as autobahn's sendMessage does, in frames of frag bytes when frag > 0.
func (p *abPeer) send(op byte, msg []byte, frag int) error {
	p.zbuf.Reset()
	if !p.sendTakeover {
		p.fw.Reset(&p.zbuf)
	}
	p.fw.Write(msg)
	p.fw.Flush()
	z, ok := bytes.CutSuffix(p.zbuf.Bytes(), []byte{0, 0, 0xff, 0xff})
	if !ok {
		return errors.New("sync flush without its tail")
	}
	p.wbuf = p.wbuf[:0]
	if frag == 0 || len(z) <= frag {
		p.appendFrame(true, rsv1, op, z)
	} else {
		for i, first, done := 0, true, false; !done; i += frag {
			j := i + frag
			if j > len(z) {
				done, j = true, len(z)
			}
			if first {
				p.appendFrame(done, rsv1, op, z[i:j])
				first = false
			} else {
				p.appendFrame(done, 0, byte(opContinuation), z[i:j])
			}
		}
	}
	_, err := p.nc.Write(p.wbuf)
	return err
}

func (p *abPeer) writeFrame(fin bool, rsv, op byte, payload []byte) error {
	p.wbuf = p.wbuf[:0]
	p.appendFrame(fin, rsv, op, payload)
	_, err := p.nc.Write(p.wbuf)
	return err
}

// appendFrame encodes one frame into p.wbuf, masked when the peer is the
// client.
func (p *abPeer) appendFrame(fin bool, rsv, op byte, payload []byte) {
	b0 := rsv<<4 | op
	if fin {
		b0 |= 0x80
	}
	var b1 byte
	if p.client {
		b1 = 0x80
	}
	switch n := len(payload); {
	case n <= 125:
		p.wbuf = append(p.wbuf, b0, b1|byte(n))
	case n <= math.MaxUint16:
		p.wbuf = binary.BigEndian.AppendUint16(append(p.wbuf, b0, b1|126), uint16(n))
	default:
		p.wbuf = binary.BigEndian.AppendUint64(append(p.wbuf, b0, b1|127), uint64(n))
	}
	off := len(p.wbuf)
	if p.client {
		var key [4]byte
		binary.LittleEndian.PutUint32(key[:], p.rng.Uint32())
		p.wbuf = append(p.wbuf, key[:]...)
		off += 4
		p.wbuf = append(p.wbuf, payload...)
		abMask(p.wbuf[off:], key)
		return
	}
	p.wbuf = append(p.wbuf, payload...)
}

func abMask(b []byte, key [4]byte) {
	k := uint64(binary.LittleEndian.Uint32(key[:]))
	k |= k << 32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k)
	}
	for ; i < len(b); i++ {
		b[i] ^= key[i&3]
	}
}

// readFrame reads one frame, checking the masking direction.
func (p *abPeer) readFrame() (fin bool, rsv, op byte, payload []byte, err error) {
	var h [2]byte
	if _, err = io.ReadFull(p.br, h[:]); err != nil {
		return
	}
	fin, rsv, op = h[0]&0x80 != 0, h[0]>>4&7, h[0]&0xf
	masked := h[1]&0x80 != 0
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err = io.ReadFull(p.br, ext[:]); err != nil {
			return
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err = io.ReadFull(p.br, ext[:]); err != nil {
			return
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if masked == p.client {
		// RFC 6455 §5.1: a client masks every frame, a server none.
		return fin, rsv, op, nil, fmt.Errorf("frame from the engine with mask bit %v", masked)
	}
	if n > 64<<20 {
		return fin, rsv, op, nil, fmt.Errorf("frame of %d bytes", n)
	}
	var key [4]byte
	if masked {
		if _, err = io.ReadFull(p.br, key[:]); err != nil {
			return
		}
	}
	payload = make([]byte, n)
	if _, err = io.ReadFull(p.br, payload); err != nil {
		return
	}
	if masked {
		abMask(payload, key)
	}
	return fin, rsv, op, payload, nil
}

// readMessage reads one message, or a Close frame (op opClose), checks its
// RSV bits (RSV1 only on a data message's first frame) and inflates it if
// compressed.
func (p *abPeer) readMessage() (op byte, compressed bool, msg []byte, err error) {
	var z []byte
	for first := true; ; first = false {
		fin, rsv, fop, payload, err := p.readFrame()
		if err != nil {
			return 0, false, nil, err
		}
		switch {
		case fop >= 8:
			if rsv != 0 {
				return 0, false, nil, fmt.Errorf("control frame %d with RSV %03b", fop, rsv)
			}
			if fop != byte(opClose) || !fin {
				return 0, false, nil, fmt.Errorf("unexpected control frame %d", fop)
			}
			if !first {
				return 0, false, nil, errors.New("Close inside a message")
			}
			return fop, false, payload, nil
		case first:
			if fop != byte(opText) && fop != byte(opBinary) {
				return 0, false, nil, fmt.Errorf("message starts with opcode %d", fop)
			}
			if rsv&^rsv1 != 0 {
				return 0, false, nil, fmt.Errorf("first frame with RSV %03b", rsv)
			}
			op, compressed = fop, rsv == rsv1
		default:
			if fop != byte(opContinuation) {
				return 0, false, nil, fmt.Errorf("opcode %d inside a message", fop)
			}
			if rsv != 0 {
				return 0, false, nil, fmt.Errorf("continuation frame with RSV %03b", rsv)
			}
		}
		z = append(z, payload...)
		if fin {
			break
		}
	}
	if !compressed {
		return op, false, z, nil
	}
	window := 1 << p.recvBits
	var hist []byte
	if p.recvTakeover {
		hist = p.hist
	}
	out, _, err := abInflate(append(z, 0, 0, 0xff, 0xff), hist, window)
	if err != nil {
		return 0, true, nil, fmt.Errorf("inflating with a %d-byte window (takeover %v): %w", window, p.recvTakeover, err)
	}
	if p.recvTakeover {
		keep := out[max(0, len(out)-window):]
		p.hist = append(p.hist[:0], keep...)
	}
	return op, true, out[len(hist):], nil
}

// abInflate decodes raw DEFLATE data z (RFC 1951) that ends with a sync
// flush, as zlib's inflate with windowBits -N does for window = 2^N: hist
// is the sender's previous output (its kept context, at most window bytes),
// and a back-reference further than window bytes, or before hist, is an
// error. It returns hist followed by the decoded bytes, and the number of
// back-references.
func abInflate(z, hist []byte, window int) (out []byte, matches int, err error) {
	out = append(make([]byte, 0, len(hist)+4*len(z)+64), hist...)
	b := &abBits{in: z}
	for !(b.pos == len(b.in) && b.n == 0) {
		final, err := b.bits(1)
		if err != nil {
			return out, matches, err
		}
		typ, err := b.bits(2)
		if err != nil {
			return out, matches, err
		}
		switch typ {
		case 0:
			b.buf >>= b.n % 8
			b.n -= b.n % 8
			n, err1 := b.bits(16)
			nn, err2 := b.bits(16)
			if err := errors.Join(err1, err2); err != nil {
				return out, matches, err
			}
			if n != ^nn&0xffff {
				return out, matches, errors.New("stored block length does not match its complement")
			}
			for range n {
				v, err := b.bits(8)
				if err != nil {
					return out, matches, err
				}
				out = append(out, byte(v))
			}
		case 1:
			abFixedOnce.Do(abInitFixed)
			out, matches, err = b.codes(out, matches, window, &abFixedLit, &abFixedDist)
		case 2:
			var lit, dist abHuff
			if lit, dist, err = b.dynamic(); err == nil {
				out, matches, err = b.codes(out, matches, window, &lit, &dist)
			}
		default:
			err = errors.New("invalid block type 3")
		}
		if err != nil {
			return out, matches, err
		}
		if final == 1 {
			break
		}
	}
	return out, matches, nil
}

// abBits reads DEFLATE's LSB-first bits.
type abBits struct {
	in  []byte
	pos int
	buf uint64
	n   uint
}

func (b *abBits) fill(k uint) {
	for b.n < k && b.pos < len(b.in) {
		b.buf |= uint64(b.in[b.pos]) << b.n
		b.pos++
		b.n += 8
	}
}

func (b *abBits) bits(k uint) (int, error) {
	b.fill(k)
	if b.n < k {
		return 0, io.ErrUnexpectedEOF
	}
	v := int(b.buf & (1<<k - 1))
	b.buf >>= k
	b.n -= k
	return v, nil
}

// abHuff is a canonical Huffman code as a lookup table indexed by the next
// maxLen bits: symbol<<4 | length, 0 for no code.
type abHuff struct {
	table  []uint16
	maxLen uint
}

func abNewHuff(lengths []uint8) (abHuff, error) {
	var count [16]int
	maxLen := 0
	for _, l := range lengths {
		count[l]++
		maxLen = max(maxLen, int(l))
	}
	count[0] = 0
	left := 1
	for l := 1; l <= 15; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return abHuff{}, errors.New("over-subscribed Huffman code")
		}
	}
	var next [16]int
	for l, code := 1, 0; l <= 15; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	h := abHuff{table: make([]uint16, 1<<maxLen), maxLen: uint(maxLen)}
	for sym, l := range lengths {
		if l == 0 {
			continue
		}
		rev := int(bits.Reverse16(uint16(next[l])) >> (16 - l))
		next[l]++
		for j := rev; j < len(h.table); j += 1 << l {
			h.table[j] = uint16(sym<<4 | int(l))
		}
	}
	return h, nil
}

func (b *abBits) decode(h *abHuff) (int, error) {
	b.fill(h.maxLen)
	e := h.table[b.buf&(1<<h.maxLen-1)]
	l := uint(e & 15)
	switch {
	case l == 0:
		if b.n < h.maxLen {
			return 0, io.ErrUnexpectedEOF
		}
		return 0, errors.New("invalid Huffman code")
	case l > b.n:
		return 0, io.ErrUnexpectedEOF
	}
	b.buf >>= l
	b.n -= l
	return int(e >> 4), nil
}

var (
	abLenBase  = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	abLenExtra = [29]uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	abDistBase = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
		1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	abDistExtra = [30]uint{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	abCLOrder   = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

	abFixedOnce             sync.Once
	abFixedLit, abFixedDist abHuff
)

func abInitFixed() {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	abFixedLit, _ = abNewHuff(l[:])
	var d [30]uint8
	for i := range d {
		d[i] = 5
	}
	abFixedDist, _ = abNewHuff(d[:])
}

// dynamic reads a dynamic block's code definitions.
func (b *abBits) dynamic() (lit, dist abHuff, err error) {
	hlit, err1 := b.bits(5)
	hdist, err2 := b.bits(5)
	hclen, err3 := b.bits(4)
	if err := errors.Join(err1, err2, err3); err != nil {
		return lit, dist, err
	}
	nlen, ndist := hlit+257, hdist+1
	if nlen > 286 || ndist > 30 {
		return lit, dist, errors.New("too many length or distance codes")
	}
	var cl [19]uint8
	for i := range hclen + 4 {
		v, err := b.bits(3)
		if err != nil {
			return lit, dist, err
		}
		cl[abCLOrder[i]] = uint8(v)
	}
	clh, err := abNewHuff(cl[:])
	if err != nil {
		return lit, dist, err
	}
	lengths := make([]uint8, 0, nlen+ndist)
	for len(lengths) < nlen+ndist {
		sym, err := b.decode(&clh)
		if err != nil {
			return lit, dist, err
		}
		if sym < 16 {
			lengths = append(lengths, uint8(sym))
			continue
		}
		var v uint8
		var rep int
		switch sym {
		case 16:
			if len(lengths) == 0 {
				return lit, dist, errors.New("repeat with no previous length")
			}
			v = lengths[len(lengths)-1]
			rep, err = b.bits(2)
			rep += 3
		case 17:
			rep, err = b.bits(3)
			rep += 3
		default:
			rep, err = b.bits(7)
			rep += 11
		}
		if err != nil {
			return lit, dist, err
		}
		if len(lengths)+rep > nlen+ndist {
			return lit, dist, errors.New("code lengths overflow")
		}
		for range rep {
			lengths = append(lengths, v)
		}
	}
	if lengths[256] == 0 {
		return lit, dist, errors.New("no end-of-block code")
	}
	if lit, err = abNewHuff(lengths[:nlen]); err != nil {
		return lit, dist, err
	}
	dist, err = abNewHuff(lengths[nlen:])
	return lit, dist, err
}

// codes decodes a compressed block's symbols, refusing distances past
// window or before the start of out.
func (b *abBits) codes(out []byte, matches, window int, lit, dist *abHuff) ([]byte, int, error) {
	for {
		sym, err := b.decode(lit)
		if err != nil {
			return out, matches, err
		}
		if sym < 256 {
			out = append(out, byte(sym))
			continue
		}
		if sym == 256 {
			return out, matches, nil
		}
		sym -= 257
		if sym >= 29 {
			return out, matches, fmt.Errorf("invalid length symbol %d", sym+257)
		}
		extra, err := b.bits(abLenExtra[sym])
		if err != nil {
			return out, matches, err
		}
		length := abLenBase[sym] + extra
		if len(dist.table) == 0 {
			return out, matches, errors.New("back-reference in a block without distance codes")
		}
		dsym, err := b.decode(dist)
		if err != nil {
			return out, matches, err
		}
		if dsym >= 30 {
			return out, matches, fmt.Errorf("invalid distance symbol %d", dsym)
		}
		extra, err = b.bits(abDistExtra[dsym])
		if err != nil {
			return out, matches, err
		}
		d := abDistBase[dsym] + extra
		if d > window {
			return out, matches, fmt.Errorf("back-reference %d bytes back, past the %d-byte window", d, window)
		}
		if d > len(out) {
			return out, matches, fmt.Errorf("back-reference %d bytes back, with %d bytes of context", d, len(out))
		}
		for range length {
			out = append(out, out[len(out)-d])
		}
		matches++
	}
}

// TestAutobahnDeflateDecoder checks abInflate against compress/flate, and
// that it refuses what a narrower window rules out.
func TestAutobahnDeflateDecoder(t *testing.T) {
	d := abJSON()
	ptr := 0
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
		var zb bytes.Buffer
		fw, err := flate.NewWriter(&zb, level)
		require.NoError(t, err)
		var hist []byte
		totalMatches := 0
		for i, n := range []int{16, 1000, 70000, 5, 40000} {
			msg := d.message(&ptr, n)
			zb.Reset()
			fw.Write(msg)
			fw.Flush()
			out, matches, err := abInflate(zb.Bytes(), hist, 1<<15)
			require.NoError(t, err, "level %d, message %d", level, i)
			require.Equal(t, msg, out[len(hist):], "level %d, message %d", level, i)
			hist = append([]byte(nil), out[max(0, len(out)-1<<15):]...)
			totalMatches += matches
		}
		if level == flate.NoCompression || level == flate.HuffmanOnly {
			assert.Zero(t, totalMatches, "level %d", level)
			continue
		}
		assert.NotZero(t, totalMatches, "level %d", level)
		// The same stream read with a 512-byte window, or without the
		// context, must fail.
		zb.Reset()
		fw.Reset(&zb)
		msg := d.message(&ptr, 4096)
		fw.Write(msg)
		fw.Write(msg)
		fw.Flush()
		_, _, err = abInflate(zb.Bytes(), nil, 1<<9)
		assert.ErrorContains(t, err, "past the 512-byte window", "level %d", level)
		zb.Reset()
		fw.Write(msg)
		fw.Flush()
		_, _, err = abInflate(zb.Bytes(), nil, 1<<15)
		assert.ErrorContains(t, err, "bytes of context", "level %d", level)
	}
}

// abData is one of Autobahn's test data sets. A case's messages are
// consecutive slices of it, wrapping around, of size characters for text
// (autobahn slices the decoded string) and bytes for binary.
type abData struct {
	text bool
	b    []byte
	offs []int // text: the byte offset of every character, then len(b)
}

func newABData(text bool, b []byte) *abData {
	d := &abData{text: text, b: b}
	if text {
		for i := range string(b) {
			d.offs = append(d.offs, i)
		}
		d.offs = append(d.offs, len(b))
	}
	return d
}

// message is case12_x_x.py's sendOne: the next n units from *ptr.
func (d *abData) message(ptr *int, n int) []byte {
	total, off := len(d.b), func(i int) int { return i }
	if d.text {
		total, off = len(d.offs)-1, func(i int) int { return d.offs[i] }
	}
	from := *ptr
	to := (from + n) % total
	*ptr = to
	if to > from {
		return append([]byte(nil), d.b[off(from):off(to)]...)
	}
	return append(append([]byte(nil), d.b[off(from):]...), d.b[:off(to)]...)
}

// abDataSets are WS_COMPRESSION_TESTDATA in autobahn's order: cases 12.1 to
// 12.5.
var abDataSets = []func() *abData{abJSON, abLena, abFaust, abHTML, abPDF}

// abJSON stands in for data1.json (194,056 bytes, utf8 text): an Autobahn
// JSON report.
var abJSON = sync.OnceValue(func() *abData {
	const size = 194056
	rng := rand.New(rand.NewPCG(12, 1))
	agents := []string{"AutobahnPython/0.6.0", "AutobahnServer/0.6.0", "Chrome/24.0.1312.57", "Firefox/18.0", "w3ws/native"}
	behaviors := []string{"OK", "OK", "OK", "OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"}
	var b strings.Builder
	b.WriteString("{\n")
	for a := 0; b.Len() < size; a++ {
		agent := agents[a%len(agents)]
		slug := strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(strings.ToLower(agent))
		fmt.Fprintf(&b, "   %q: {\n", agent)
		for i := 1; i <= 13 && b.Len() < size; i++ {
			for j := 1; j <= 8; j++ {
				for k := 1; k <= 1+rng.IntN(18); k++ {
					fmt.Fprintf(&b, "      \"%d.%d.%d\": {\n         \"behavior\": %q,\n         \"behaviorClose\": %q,\n"+
						"         \"duration\": %d,\n         \"remoteCloseCode\": %d,\n"+
						"         \"reportfile\": \"%s_case_%d_%d_%d.json\"\n      },\n",
						i, j, k, behaviors[rng.IntN(len(behaviors))], behaviors[rng.IntN(4)],
						rng.IntN(rng.IntN(2000)+1), 1000+rng.IntN(12), slug, i, j, k)
				}
			}
		}
		b.WriteString("   },\n")
	}
	return newABData(true, []byte(b.String()[:size]))
})

// abLena stands in for lena512.bmp (263,222 bytes, binary): a 512x512
// 8-bit grey BMP of a smooth picture with some noise.
var abLena = sync.OnceValue(func() *abData {
	const w, h = 512, 512
	b := make([]byte, 0, 14+40+1024+w*h)
	b = append(b, 'B', 'M')
	b = binary.LittleEndian.AppendUint32(b, uint32(cap(b)))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 14+40+1024)
	b = binary.LittleEndian.AppendUint32(b, 40)
	b = binary.LittleEndian.AppendUint32(b, w)
	b = binary.LittleEndian.AppendUint32(b, h)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 8)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, w*h)
	b = binary.LittleEndian.AppendUint32(b, 2835)
	b = binary.LittleEndian.AppendUint32(b, 2835)
	b = binary.LittleEndian.AppendUint32(b, 256)
	b = binary.LittleEndian.AppendUint32(b, 256)
	for i := range 256 {
		b = append(b, byte(i), byte(i), byte(i), 0)
	}
	rng := rand.New(rand.NewPCG(12, 2))
	for y := range h {
		for x := range w {
			fx, fy := float64(x), float64(y)
			v := 128 + 60*math.Sin(fx/23)*math.Cos(fy/31) + 35*math.Sin((fx+2*fy)/57) + float64(rng.IntN(13)-6)
			b = append(b, byte(min(max(v, 0), 255)))
		}
	}
	return newABData(false, b)
})

// abFaust stands in for pg2229.txt (222,218 bytes, sent as binary): German
// verse in UTF-8.
var abFaust = sync.OnceValue(func() *abData {
	const size = 222218
	rng := rand.New(rand.NewPCG(12, 3))
	words := strings.Fields("und die der ich nicht zu das ist mit sich es ein mir dich du so in Faust Mephistopheles " +
		"Gretchen Wagner Geist Himmel Erde Natur Blut Seele Herz Welt Lust Qual Höll' hör' Schönheit " +
		"Träume Gefühl Tür Mädchen Brüder über für müssen würde Größe fühlt grüßen Schüler Bücher " +
		"Wissenschaft Teufel ewig Augenblick verweile doch bist schön heiß bemüht Narr klug zuvor")
	speakers := []string{"FAUST", "MEPHISTOPHELES", "MARGARETE", "WAGNER", "CHOR DER ENGEL", "SCHÜLER"}
	var b strings.Builder
	b.WriteString("The Project Gutenberg EBook of Faust: Der Tragödie erster Teil, by Johann Wolfgang von Goethe\r\n\r\n")
	for b.Len() < size {
		fmt.Fprintf(&b, "\r\n%s:\r\n", speakers[rng.IntN(len(speakers))])
		for range 2 + rng.IntN(7) {
			n := 4 + rng.IntN(6)
			for i := range n {
				w := words[rng.IntN(len(words))]
				if i == 0 {
					r, sz := utf8.DecodeRuneInString(w)
					w = strings.ToUpper(string(r)) + w[sz:]
				}
				b.WriteString(w)
				if i < n-1 {
					b.WriteByte(' ')
				}
			}
			b.WriteString([]string{",", ";", ".", "!", "?", ""}[rng.IntN(6)] + "\r\n")
		}
	}
	return newABData(false, []byte(b.String()[:size]))
})

// abHTML stands in for data1.html (263,647 bytes, utf8 text): an Autobahn
// HTML report, with some non-ASCII text so that messages of n characters
// are longer than n bytes and fragments split characters.
var abHTML = sync.OnceValue(func() *abData {
	const size = 263647
	rng := rand.New(rand.NewPCG(12, 4))
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n   <head>\n      <meta charset=\"utf-8\" />\n      <style lang=\"css\">\n" +
		"body {\n   background-color: #F4F4F4;\n   color: #333;\n   font-family: Segoe UI,Tahoma,Arial,Verdana,sans-serif;\n}\n" +
		"p.case_text_block {\n   border-radius: 10px;\n   border: 1px solid #aaa;\n   padding: 16px;\n   margin: 4px 20px;\n}\n" +
		"      </style>\n   </head>\n   <body>\n      <table id=\"agent_case_results\">\n")
	results := []string{"Pass", "Pass", "Pass", "Non-Strict", "Info", "Fail", "Unimplemented"}
	notes := []string{"", "", "", " — Größe überschritten", " ✓ naïve café", " 𝄞 ünïcödé", " «Zeichen»"}
	for n := 0; ; n++ {
		i, j, k := n/400+1, n/25%16+1, n%25+1
		line := fmt.Sprintf("         <tr><td class=\"case_id\"><a href=\"#case_desc_%d_%d_%d\">Case %d.%d.%d</a></td>"+
			"<td class=\"case_%s\">%s%s</td><td class=\"close_%d\">%d ms</td></tr>\n",
			i, j, k, i, j, k, strings.ToLower(results[n%len(results)]), results[rng.IntN(len(results))],
			notes[rng.IntN(len(notes))], 1000+rng.IntN(12), rng.IntN(900))
		if b.Len()+len(line) > size {
			break
		}
		b.WriteString(line)
	}
	for b.Len() < size {
		b.WriteByte('\n')
	}
	return newABData(true, []byte(b.String()))
})

// abPDF stands in for 10.1.1.105.5439.pdf (1,042,328 bytes, binary): PDF
// objects around compressed, incompressible streams.
var abPDF = sync.OnceValue(func() *abData {
	const size = 1042328
	rng := rand.New(rand.NewPCG(12, 5))
	b := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	for obj := 1; len(b) < size; obj++ {
		n := 200 + rng.IntN(8000)
		b = fmt.Appendf(b, "%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", obj, n)
		for range n {
			b = append(b, byte(rng.Uint32()))
		}
		b = fmt.Appendf(b, "\nendstream\nendobj\n%d 0 obj\n<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 %d 0 R >> >> "+
			"/MediaBox [0 0 612 792] /Contents %d 0 R >>\nendobj\n", obj+1, obj+2, obj)
		obj++
	}
	return newABData(false, b[:size])
})
