package native

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/internal/rawserver"
)

// pmdTimeout bounds every wait of the permessage-deflate tests.
const pmdTimeout = 5 * time.Second

// pmdKey is the Sec-WebSocket-Key of the hand-made requests (RFC 6455 §1.3).
const pmdKey = "dGhlIHNhbXBsZSBub25jZQ=="

// pmdElement parses one extension element, failing the test if it is not
// exactly one well-formed element.
func pmdElement(t *testing.T, s string) extension {
	t.Helper()
	exts, err := parseExtensions([]string{s})
	require.NoError(t, err, "%q", s)
	require.Len(t, exts, 1, "%q", s)
	return exts[0]
}

// TestDeflateParams checks parseDeflateParams on what RFC 7692 §7 allows,
// as an offer and as a response.
func TestDeflateParams(t *testing.T) {
	tests := []struct {
		elem          string
		offer, answer deflateParams
		answerErr     bool // valid as an offer, not as a response
	}{
		{elem: "permessage-deflate"},
		{elem: "permessage-deflate; server_no_context_takeover",
			offer:  deflateParams{serverNoContextTakeover: true},
			answer: deflateParams{serverNoContextTakeover: true}},
		{elem: "permessage-deflate; client_no_context_takeover",
			offer:  deflateParams{clientNoContextTakeover: true},
			answer: deflateParams{clientNoContextTakeover: true}},
		{elem: "permessage-deflate; client_max_window_bits",
			offer: deflateParams{clientMaxWindowBits: -1}, answerErr: true},
		{elem: "permessage-deflate; client_max_window_bits=8",
			offer:  deflateParams{clientMaxWindowBits: 8},
			answer: deflateParams{clientMaxWindowBits: 8}},
		{elem: "permessage-deflate; server_max_window_bits=15",
			offer:  deflateParams{serverMaxWindowBits: 15},
			answer: deflateParams{serverMaxWindowBits: 15}},
		{elem: `permessage-deflate; server_max_window_bits="10"`,
			offer:  deflateParams{serverMaxWindowBits: 10},
			answer: deflateParams{serverMaxWindowBits: 10}},
		{elem: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=12",
			offer:  deflateParams{serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 12},
			answer: deflateParams{serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 12}},
	}
	for _, tt := range tests {
		e := pmdElement(t, tt.elem)
		got, err := parseDeflateParams(e, false)
		require.NoError(t, err, "offer %q", tt.elem)
		assert.Equal(t, tt.offer, got, "offer %q", tt.elem)
		got, err = parseDeflateParams(e, true)
		if tt.answerErr {
			assert.Error(t, err, "response %q", tt.elem)
			continue
		}
		require.NoError(t, err, "response %q", tt.elem)
		assert.Equal(t, tt.answer, got, "response %q", tt.elem)
	}
	for bits := 8; bits <= 15; bits++ {
		for _, name := range []string{"server_max_window_bits", "client_max_window_bits"} {
			for _, response := range []bool{false, true} {
				e := pmdElement(t, "permessage-deflate; "+name+"="+strconv.Itoa(bits))
				got, err := parseDeflateParams(e, response)
				require.NoError(t, err)
				if name == "server_max_window_bits" {
					assert.Equal(t, bits, got.serverMaxWindowBits)
				} else {
					assert.Equal(t, bits, got.clientMaxWindowBits)
				}
			}
		}
	}
}

// TestDeflateParamsErrors checks that parseDeflateParams refuses, in both
// roles, what RFC 7692 §7 rules out.
func TestDeflateParamsErrors(t *testing.T) {
	bad := []string{
		"permessage-deflate; foo",
		"permessage-deflate; foo=1",
		"permessage-deflate; Server_No_Context_Takeover",
		"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
		"permessage-deflate; client_no_context_takeover; client_no_context_takeover",
		"permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
		"permessage-deflate; client_max_window_bits=10; client_max_window_bits=11",
		"permessage-deflate; client_max_window_bits; client_max_window_bits",
		"permessage-deflate; client_max_window_bits; client_max_window_bits=10",
		"permessage-deflate; server_no_context_takeover=1",
		"permessage-deflate; client_no_context_takeover=true",
		`permessage-deflate; server_no_context_takeover="x"`,
		"permessage-deflate; server_max_window_bits",
	}
	for _, bits := range []string{"08", "+9", "-9", "9a", "a9", "16", "7", "0", "00", "015", "1e1", "99999999999999999999", "0x9", `"08"`, `"16"`} {
		bad = append(bad,
			"permessage-deflate; server_max_window_bits="+bits,
			"permessage-deflate; client_max_window_bits="+bits)
	}
	for _, elem := range bad {
		e := pmdElement(t, elem)
		_, err := parseDeflateParams(e, false)
		assert.Error(t, err, "offer %q", elem)
		_, err = parseDeflateParams(e, true)
		assert.Error(t, err, "response %q", elem)
	}
	_, err := parseDeflateParams(pmdElement(t, "permessage-deflate; foo"), false)
	assert.ErrorIs(t, err, errDeflateUnknown)
	_, err = parseDeflateParams(pmdElement(t, "permessage-deflate; client_max_window_bits; client_max_window_bits"), false)
	assert.ErrorIs(t, err, errDeflateDuplicate)
}

// TestDeflateNegotiate checks the server's choice among the client's offers
// and its exact response in each mode.
func TestDeflateNegotiate(t *testing.T) {
	tests := []struct {
		name     string
		values   []string
		mode     CompressionMode
		ok       bool
		response string
		params   deflateParams
	}{
		{name: "chromeNoTakeover", values: []string{"permessage-deflate; client_max_window_bits"}, mode: CompressionNoContextTakeover, ok: true,
			response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			params:   deflateParams{serverNoContextTakeover: true, clientNoContextTakeover: true}},
		{name: "chromeTakeover", values: []string{"permessage-deflate; client_max_window_bits"}, mode: CompressionContextTakeover, ok: true,
			response: "permessage-deflate"},
		{name: "firefoxTakeover", values: []string{"permessage-deflate"}, mode: CompressionContextTakeover, ok: true,
			response: "permessage-deflate"},
		{name: "firefoxNoTakeover", values: []string{"permessage-deflate"}, mode: CompressionNoContextTakeover, ok: true,
			response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			params:   deflateParams{serverNoContextTakeover: true, clientNoContextTakeover: true}},
		{name: "takeoverEchoesServerNoTakeover", values: []string{"permessage-deflate; server_no_context_takeover"}, mode: CompressionContextTakeover, ok: true,
			response: "permessage-deflate; server_no_context_takeover",
			params:   deflateParams{serverNoContextTakeover: true}},
		{name: "takeoverEchoesClientNoTakeover", values: []string{"permessage-deflate; client_no_context_takeover"}, mode: CompressionContextTakeover, ok: true,
			response: "permessage-deflate; client_no_context_takeover",
			params:   deflateParams{clientNoContextTakeover: true}},
		{name: "takeoverEchoesBoth", values: []string{"permessage-deflate; client_no_context_takeover; server_no_context_takeover"}, mode: CompressionContextTakeover, ok: true,
			response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			params:   deflateParams{serverNoContextTakeover: true, clientNoContextTakeover: true}},
		{name: "serverWindowEchoed", values: []string{"permessage-deflate; server_max_window_bits=10"}, mode: CompressionContextTakeover, ok: true,
			response: "permessage-deflate; server_max_window_bits=10",
			params:   deflateParams{serverMaxWindowBits: 10}},
		{name: "serverWindowEchoedNoTakeover", values: []string{`permessage-deflate; server_max_window_bits="9"; client_max_window_bits`}, mode: CompressionNoContextTakeover, ok: true,
			response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9",
			params:   deflateParams{serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9}},
		{name: "clientWindowKeptNotEchoed", values: []string{"permessage-deflate; client_max_window_bits=10"}, mode: CompressionContextTakeover, ok: true,
			response: "permessage-deflate",
			params:   deflateParams{clientMaxWindowBits: 10}},
		{name: "firstValidOfferTaken", values: []string{"permessage-deflate; server_max_window_bits=11, permessage-deflate; server_max_window_bits=12"}, mode: CompressionContextTakeover, ok: true,
			response: "permessage-deflate; server_max_window_bits=11",
			params:   deflateParams{serverMaxWindowBits: 11}},
		{name: "invalidOfferSkipped", values: []string{"permessage-deflate; foo, permessage-deflate; server_max_window_bits=16, permessage-deflate; server_max_window_bits=12"}, mode: CompressionContextTakeover, ok: true,
			response: "permessage-deflate; server_max_window_bits=12",
			params:   deflateParams{serverMaxWindowBits: 12}},
		{name: "otherExtensionsSkipped", values: []string{"x-webkit-deflate-frame; no_context_takeover", "deflate-frame, permessage-deflate; client_no_context_takeover"}, mode: CompressionContextTakeover, ok: true,
			response: "permessage-deflate; client_no_context_takeover",
			params:   deflateParams{clientNoContextTakeover: true}},
		{name: "nameIsCaseSensitive", values: []string{"Permessage-Deflate"}, mode: CompressionContextTakeover},
		{name: "onlyOtherExtensions", values: []string{"x-webkit-deflate-frame, foo; bar=1"}, mode: CompressionNoContextTakeover},
		{name: "onlyInvalidOffers", values: []string{"permessage-deflate; server_max_window_bits", "permessage-deflate; client_max_window_bits=7"}, mode: CompressionNoContextTakeover},
		{name: "none", values: nil, mode: CompressionContextTakeover},
		{name: "blank", values: []string{"", " , "}, mode: CompressionContextTakeover},
		{name: "unparseable", values: []string{"permessage-deflate; client_max_window_bits, x;"}, mode: CompressionContextTakeover},
		{name: "unparseableSecondValue", values: []string{"permessage-deflate", `x; y="a b"`}, mode: CompressionNoContextTakeover},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, response, ok := negotiateDeflate(tt.values, tt.mode)
			require.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.response, response)
			if tt.ok {
				assert.Equal(t, tt.params, p)
				// What we answer, a client of ours accepts, with the
				// same parameters.
				cp, accepted, ext, err := checkDeflateResponse([]string{response}, true)
				require.NoError(t, err)
				assert.True(t, accepted)
				assert.Equal(t, response, ext)
				assert.Equal(t, p.serverNoContextTakeover, cp.serverNoContextTakeover)
				assert.Equal(t, p.clientNoContextTakeover, cp.clientNoContextTakeover)
				assert.Equal(t, p.serverMaxWindowBits, cp.serverMaxWindowBits)
			}
		})
	}
}

// TestDeflateCheckResponse checks the client's rules (Chrome's) for the
// server's Sec-WebSocket-Extensions.
func TestDeflateCheckResponse(t *testing.T) {
	good := []struct {
		values []string
		ext    string
		params deflateParams
	}{
		{values: []string{"permessage-deflate"}, ext: "permessage-deflate"},
		{values: []string{"permessage-deflate; client_max_window_bits=15; server_no_context_takeover"},
			ext:    "permessage-deflate; client_max_window_bits=15; server_no_context_takeover",
			params: deflateParams{clientMaxWindowBits: 15, serverNoContextTakeover: true}},
		{values: []string{"  permessage-deflate ;server_no_context_takeover\t;  client_max_window_bits = 10  "},
			ext:    "permessage-deflate ;server_no_context_takeover\t;  client_max_window_bits = 10",
			params: deflateParams{serverNoContextTakeover: true, clientMaxWindowBits: 10}},
		{values: []string{`permessage-deflate; server_max_window_bits="9"`},
			ext:    `permessage-deflate; server_max_window_bits="9"`,
			params: deflateParams{serverMaxWindowBits: 9}},
		{values: []string{", permessage-deflate; client_no_context_takeover ,", ""},
			ext:    "permessage-deflate; client_no_context_takeover",
			params: deflateParams{clientNoContextTakeover: true}},
		{values: []string{"", "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8; client_max_window_bits=8"},
			ext:    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8; client_max_window_bits=8",
			params: deflateParams{serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 8, clientMaxWindowBits: 8}},
	}
	for _, tt := range good {
		p, accepted, ext, err := checkDeflateResponse(tt.values, true)
		require.NoError(t, err, "%q", tt.values)
		assert.True(t, accepted, "%q", tt.values)
		assert.Equal(t, tt.ext, ext, "%q", tt.values)
		assert.Equal(t, tt.params, p, "%q", tt.values)
	}

	// No extension at all: accepted by both kinds of client, nothing in force.
	for _, values := range [][]string{nil, {}, {""}, {" "}, {"\t, ,"}, {"", ","}} {
		for _, offered := range []bool{false, true} {
			_, accepted, ext, err := checkDeflateResponse(values, offered)
			require.NoError(t, err, "%q", values)
			assert.False(t, accepted, "%q", values)
			assert.Empty(t, ext, "%q", values)
		}
	}

	bad := []struct {
		values  []string
		offered bool
	}{
		{values: []string{"permessage-deflate"}},
		{values: []string{"x-webkit-deflate-frame"}},
		{values: []string{"permessage-deflate; client_max_window_bits=15"}},
		{values: []string{"x-webkit-deflate-frame"}, offered: true},
		{values: []string{"Permessage-Deflate"}, offered: true},
		{values: []string{"permessage-deflate, foo"}, offered: true},
		{values: []string{"foo, permessage-deflate"}, offered: true},
		{values: []string{"permessage-deflate, permessage-deflate"}, offered: true},
		{values: []string{"permessage-deflate", "permessage-deflate"}, offered: true},
		{values: []string{"permessage-deflate; server_no_context_takeover", "permessage-deflate; client_no_context_takeover"}, offered: true},
		{values: []string{"permessage-deflate; foo"}, offered: true},
		{values: []string{"permessage-deflate; client_max_window_bits"}, offered: true},
		{values: []string{"permessage-deflate; server_max_window_bits"}, offered: true},
		{values: []string{"permessage-deflate; server_max_window_bits=16"}, offered: true},
		{values: []string{"permessage-deflate; client_max_window_bits=08"}, offered: true},
		{values: []string{"permessage-deflate; server_no_context_takeover=1"}, offered: true},
		{values: []string{"permessage-deflate; server_no_context_takeover; server_no_context_takeover"}, offered: true},
		{values: []string{"permessage-deflate;"}, offered: true},
		{values: []string{`permessage-deflate; server_max_window_bits="1 0"`}, offered: true},
		{values: []string{"permessage-deflate", "x;"}, offered: true},
	}
	for _, tt := range bad {
		_, accepted, ext, err := checkDeflateResponse(tt.values, tt.offered)
		assert.Error(t, err, "%q offered=%v", tt.values, tt.offered)
		assert.False(t, accepted, "%q offered=%v", tt.values, tt.offered)
		assert.Empty(t, ext, "%q offered=%v", tt.values, tt.offered)
	}
}

// TestDeflateStateRoles checks how newDeflateState maps the negotiated
// parameters onto each direction in each role.
func TestDeflateStateRoles(t *testing.T) {
	tests := []struct {
		name      string
		p         deflateParams
		client    bool
		opts      ConnOptions
		huffman   bool // our compressor may not use back-references (and so keeps no context)
		takeover  bool // our compressor keeps its context unless huffman
		threshold int
		inTake    bool // we keep a window for the peer
		inWindow  int
	}{
		{name: "serverAllDefaults", p: deflateParams{}, opts: ConnOptions{Compression: CompressionContextTakeover},
			takeover: true, threshold: DefaultCompressionThreshold, inTake: true, inWindow: 1 << 15},
		{name: "clientAllDefaults", p: deflateParams{}, client: true, opts: ConnOptions{Compression: CompressionContextTakeover},
			takeover: true, threshold: DefaultCompressionThreshold, inTake: true, inWindow: 1 << 15},
		{name: "modeNoTakeover", p: deflateParams{}, opts: ConnOptions{Compression: CompressionNoContextTakeover},
			threshold: DefaultCompressionThreshold, inTake: true, inWindow: 1 << 15},
		{name: "serverAskedNoServerTakeover", p: deflateParams{serverNoContextTakeover: true}, opts: ConnOptions{Compression: CompressionContextTakeover},
			threshold: DefaultCompressionThreshold, inTake: true, inWindow: 1 << 15},
		{name: "clientSeesServerNoTakeover", p: deflateParams{serverNoContextTakeover: true}, client: true, opts: ConnOptions{Compression: CompressionContextTakeover},
			takeover: true, threshold: DefaultCompressionThreshold, inWindow: 1 << 15},
		{name: "serverSeesClientNoTakeover", p: deflateParams{clientNoContextTakeover: true}, opts: ConnOptions{Compression: CompressionContextTakeover},
			takeover: true, threshold: DefaultCompressionThreshold, inWindow: 1 << 15},
		{name: "clientToldNoTakeover", p: deflateParams{clientNoContextTakeover: true}, client: true, opts: ConnOptions{Compression: CompressionContextTakeover},
			threshold: DefaultCompressionThreshold, inTake: true, inWindow: 1 << 15},
		{name: "serverWindowLimitsServer", p: deflateParams{serverMaxWindowBits: 10, clientMaxWindowBits: 12}, opts: ConnOptions{Compression: CompressionContextTakeover, CompressionThreshold: 7},
			huffman: true, takeover: true, threshold: 7, inTake: true, inWindow: 1 << 12},
		{name: "serverWindowLimitsClientInflater", p: deflateParams{serverMaxWindowBits: 10, clientMaxWindowBits: 12}, client: true, opts: ConnOptions{Compression: CompressionContextTakeover, CompressionThreshold: -1},
			huffman: true, takeover: true, threshold: 0, inTake: true, inWindow: 1 << 10},
		{name: "fullWindowIsNotLimited", p: deflateParams{serverMaxWindowBits: 15, clientMaxWindowBits: 15}, opts: ConnOptions{Compression: CompressionContextTakeover},
			takeover: true, threshold: DefaultCompressionThreshold, inTake: true, inWindow: 1 << 15},
		{name: "eightBitsReadAsNine", p: deflateParams{clientMaxWindowBits: 8}, opts: ConnOptions{Compression: CompressionContextTakeover},
			takeover: true, threshold: DefaultCompressionThreshold, inTake: true, inWindow: 1 << 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, d := newDeflateState(tt.p, tt.client, tt.opts)
			assert.Equal(t, tt.huffman, d.huffmanOnly, "huffmanOnly")
			assert.Equal(t, tt.takeover, d.takeover, "deflater takeover")
			assert.Equal(t, tt.threshold, d.threshold, "threshold")
			assert.Equal(t, tt.inTake, f.takeover, "inflater takeover")
			assert.Equal(t, tt.inWindow, f.windowSize, "inflater window")
		})
	}
}

// pmdServer is a raw TCP server for Dial: it reads one request per
// connection, records it, and writes respond's bytes then after's, then reads
// until the client closes. It does not use Accept.
type pmdServer struct {
	addr string
	reqs chan *http.Request
}

func newPMDServer(t *testing.T, respond func(r *http.Request) string, after []byte) *pmdServer {
	t.Helper()
	s := &pmdServer{reqs: make(chan *http.Request, 8)}
	s.addr = rawserver.Start(t, pmdTimeout, func(nc net.Conn) {
		defer nc.Close()
		br := bufio.NewReader(nc)
		r, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		s.reqs <- r
		if _, err := io.WriteString(nc, respond(r)); err != nil {
			return
		}
		if len(after) > 0 {
			if _, err := nc.Write(after); err != nil {
				return
			}
		}
		io.Copy(io.Discard, br)
	})
	return s
}

// request returns the next request the server read.
func (s *pmdServer) request(t *testing.T) *http.Request {
	t.Helper()
	select {
	case r := <-s.reqs:
		return r
	case <-time.After(pmdTimeout):
		t.Fatal("no request")
		return nil
	}
}

// pmdDial dials s with the given compression mode and no proxy.
func pmdDial(t *testing.T, s *pmdServer, mode CompressionMode) (*Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pmdTimeout)
	defer cancel()
	c, resp, err := Dial(ctx, "ws://"+s.addr+"/", &DialOptions{
		Proxy:       func(*http.Request) (*url.URL, error) { return nil, nil },
		ConnOptions: ConnOptions{Compression: mode},
	})
	if c != nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

// TestDeflateDialOffer checks the request of a client with compression on
// (exactly Chrome's offer, once) and off (no offer).
func TestDeflateDialOffer(t *testing.T) {
	for _, mode := range []CompressionMode{CompressionNoContextTakeover, CompressionContextTakeover, CompressionDisabled} {
		s := newPMDServer(t, func(r *http.Request) string { return dialTest101(r) }, nil)
		c, _, err := pmdDial(t, s, mode)
		require.NoError(t, err)
		r := s.request(t)
		if mode == CompressionDisabled {
			assert.Empty(t, r.Header.Values("Sec-WebSocket-Extensions"))
		} else {
			assert.Equal(t, []string{"permessage-deflate; client_max_window_bits"}, r.Header.Values("Sec-WebSocket-Extensions"), "mode %d", mode)
		}
		assert.Empty(t, c.Extensions())
		assert.Nil(t, c.inflate, "nothing accepted, nothing in force")
		assert.Nil(t, c.w.deflate)
	}
}

// TestDeflateDialAccepted checks that a client reports the server's element
// verbatim and inflates what the server then sends (the RFC 7692 §7.2.3.1
// frame, sent right after the 101).
func TestDeflateDialAccepted(t *testing.T) {
	hello := []byte{0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
	for _, ext := range []string{
		"permessage-deflate",
		"permessage-deflate; client_max_window_bits=15; server_no_context_takeover",
		"permessage-deflate ;server_no_context_takeover ;  client_max_window_bits = 10",
		`permessage-deflate; server_max_window_bits="12"; client_no_context_takeover`,
	} {
		s := newPMDServer(t, func(r *http.Request) string {
			return dialTest101(r, "Sec-WebSocket-Extensions: "+ext)
		}, hello)
		c, resp, err := pmdDial(t, s, CompressionContextTakeover)
		require.NoError(t, err, ext)
		assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
		assert.Equal(t, ext, c.Extensions())
		require.NotNil(t, c.inflate)
		require.NotNil(t, c.w.deflate)
		require.NoError(t, c.nc.SetReadDeadline(time.Now().Add(pmdTimeout)))
		typ, msg, err := c.ReadMessage(nil)
		require.NoError(t, err, ext)
		assert.Equal(t, MessageText, typ)
		assert.Equal(t, "Hello", string(msg))
	}
}

// TestDeflateDialRejects checks that every answer a client must refuse fails
// Dial with a *HandshakeError, and that without an offer any extension does.
func TestDeflateDialRejects(t *testing.T) {
	tests := []struct {
		name  string
		mode  CompressionMode
		lines []string
	}{
		{name: "notOffered", mode: CompressionDisabled, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate"}},
		{name: "notOfferedOther", mode: CompressionDisabled, lines: []string{"Sec-WebSocket-Extensions: foo"}},
		{name: "unknownExtension", mode: CompressionContextTakeover, lines: []string{"Sec-WebSocket-Extensions: x-webkit-deflate-frame"}},
		{name: "deflateAndUnknown", mode: CompressionContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate, foo"}},
		{name: "twoDeflates", mode: CompressionNoContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate"}},
		{name: "twoDeflateLines", mode: CompressionNoContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate", "Sec-WebSocket-Extensions: permessage-deflate"}},
		{name: "unknownParam", mode: CompressionContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate; foo"}},
		{name: "clientWindowWithoutValue", mode: CompressionContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"}},
		{name: "serverWindowWithoutValue", mode: CompressionContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits"}},
		{name: "windowTooLarge", mode: CompressionContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16"}},
		{name: "windowLeadingZero", mode: CompressionContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=09"}},
		{name: "valueOnNoTakeover", mode: CompressionContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover=1"}},
		{name: "duplicateParam", mode: CompressionContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_no_context_takeover"}},
		{name: "syntax", mode: CompressionContextTakeover, lines: []string{"Sec-WebSocket-Extensions: permessage-deflate;"}},
		{name: "badQuoted", mode: CompressionContextTakeover, lines: []string{`Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits="1 0"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newPMDServer(t, func(r *http.Request) string { return dialTest101(r, tt.lines...) }, nil)
			c, _, err := pmdDial(t, s, tt.mode)
			require.Error(t, err)
			assert.Nil(t, c)
			var he *HandshakeError
			require.True(t, errors.As(err, &he), "want a *HandshakeError, got %T: %v", err, err)
			assert.Equal(t, http.StatusSwitchingProtocols, he.StatusCode)
			assert.ErrorIs(t, err, ErrBadHandshake)
		})
	}
}

// pmdDo sends a handshake request to s with the extra header lines, followed by
// after in the same write, and returns the response, the Conn Accept made,
// and the client's end.
func pmdDo(t *testing.T, s *acceptServer, lines []string, after []byte) (*http.Response, *Conn, *rawPeer) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.addr, pmdTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(pmdTimeout)))
	var b strings.Builder
	b.WriteString("GET / HTTP/1.1\r\nHost: " + s.addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + pmdKey + "\r\nSec-WebSocket-Version: 13\r\n")
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	_, err = nc.Write(append([]byte(b.String()), after...))
	require.NoError(t, err)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	res := s.result(t)
	require.NoError(t, res.err)
	require.NotNil(t, res.c)
	return resp, res.c, &rawPeer{t: t, nc: nc, br: br, client: true}
}

// TestDeflateAcceptAnswers checks the server's response through Accept for
// each mode, good and bad offers, and that what it agreed to is in force: a
// compressed frame from the client (the RFC 7692 §7.2.3.1 "Hello", masked)
// inflates when deflate was accepted and is a 1002 when it was not.
func TestDeflateAcceptAnswers(t *testing.T) {
	tests := []struct {
		name   string
		mode   CompressionMode
		offers []string
		want   string // the response's Sec-WebSocket-Extensions; "" for none
	}{
		{name: "chromeNoTakeover", mode: CompressionNoContextTakeover, offers: []string{"permessage-deflate; client_max_window_bits"},
			want: "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
		{name: "chromeTakeover", mode: CompressionContextTakeover, offers: []string{"permessage-deflate; client_max_window_bits"},
			want: "permessage-deflate"},
		{name: "takeoverEchoes", mode: CompressionContextTakeover, offers: []string{"permessage-deflate; client_no_context_takeover; server_max_window_bits=10"},
			want: "permessage-deflate; client_no_context_takeover; server_max_window_bits=10"},
		{name: "secondLineTaken", mode: CompressionContextTakeover, offers: []string{"x-webkit-deflate-frame", "permessage-deflate; foo, permessage-deflate; server_no_context_takeover"},
			want: "permessage-deflate; server_no_context_takeover"},
		{name: "disabled", mode: CompressionDisabled, offers: []string{"permessage-deflate; client_max_window_bits"}},
		{name: "noOffer", mode: CompressionNoContextTakeover},
		{name: "badParam", mode: CompressionContextTakeover, offers: []string{"permessage-deflate; foo"}},
		{name: "serverWindowWithoutValue", mode: CompressionContextTakeover, offers: []string{"permessage-deflate; server_max_window_bits"}},
		{name: "windowTooSmall", mode: CompressionNoContextTakeover, offers: []string{"permessage-deflate; client_max_window_bits=7"}},
		{name: "valueOnNoTakeover", mode: CompressionNoContextTakeover, offers: []string{"permessage-deflate; server_no_context_takeover=yes"}},
		{name: "duplicate", mode: CompressionContextTakeover, offers: []string{"permessage-deflate; server_no_context_takeover; server_no_context_takeover"}},
		{name: "syntax", mode: CompressionContextTakeover, offers: []string{"permessage-deflate;"}},
		{name: "syntaxAfterValidOffer", mode: CompressionContextTakeover, offers: []string{"permessage-deflate", "x; y="}},
		{name: "otherExtensionOnly", mode: CompressionContextTakeover, offers: []string{"x-webkit-deflate-frame"}},
	}
	// The RFC 7692 §7.2.3.1 frame, masked as a client sends it.
	hello := maskedFrameRSV(true, rsv1, opText, []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAcceptServer(t, &AcceptOptions{ConnOptions: ConnOptions{Compression: tt.mode}})
			var lines []string
			for _, o := range tt.offers {
				lines = append(lines, "Sec-WebSocket-Extensions: "+o)
			}
			resp, c, p := pmdDo(t, s, lines, hello)
			if tt.want == "" {
				assert.NotContains(t, resp.Header, "Sec-Websocket-Extensions")
			} else {
				assert.Equal(t, []string{tt.want}, resp.Header.Values("Sec-WebSocket-Extensions"))
			}
			assert.Equal(t, tt.want, c.Extensions())
			require.NoError(t, c.nc.SetReadDeadline(time.Now().Add(pmdTimeout)))
			typ, msg, err := c.ReadMessage(nil)
			if tt.want == "" {
				assert.ErrorIs(t, err, ErrReservedBits)
				code, _ := p.expectClose()
				assert.Equal(t, StatusProtocolError, code)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, MessageText, typ)
			assert.Equal(t, "Hello", string(msg))
		})
	}
}

// TestDeflateDialAccept runs our client against our server in every
// combination of modes: what each side reports, and messages both ways.
func TestDeflateDialAccept(t *testing.T) {
	modes := []CompressionMode{CompressionDisabled, CompressionNoContextTakeover, CompressionContextTakeover}
	for _, cm := range modes {
		for _, sm := range modes {
			s := newAcceptServer(t, &AcceptOptions{ConnOptions: ConnOptions{Compression: sm, CompressionThreshold: -1}})
			ctx, cancel := context.WithTimeout(context.Background(), pmdTimeout)
			c, _, err := Dial(ctx, "ws://"+s.addr+"/", &DialOptions{
				Proxy:       func(*http.Request) (*url.URL, error) { return nil, nil },
				ConnOptions: ConnOptions{Compression: cm, CompressionThreshold: -1},
			})
			cancel()
			require.NoError(t, err)
			t.Cleanup(func() { c.CloseNow() })
			res := s.result(t)
			require.NoError(t, res.err)
			srv := res.c
			want := ""
			switch {
			case cm == CompressionDisabled || sm == CompressionDisabled:
			case sm == CompressionNoContextTakeover:
				want = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
			default:
				want = "permessage-deflate"
			}
			assert.Equal(t, want, c.Extensions(), "client %d server %d", cm, sm)
			assert.Equal(t, want, srv.Extensions(), "client %d server %d", cm, sm)
			for i := range 3 {
				msg := []byte(strings.Repeat("compress me, ", 20+i))
				go func() { c.WriteMessage(MessageText, msg) }()
				_, got, err := srv.ReadMessage(nil)
				require.NoError(t, err)
				assert.Equal(t, string(msg), string(got))
				go func() { srv.WriteMessage(MessageBinary, msg) }()
				_, got, err = c.ReadMessage(nil)
				require.NoError(t, err)
				assert.Equal(t, string(msg), string(got))
			}
		}
	}
}
