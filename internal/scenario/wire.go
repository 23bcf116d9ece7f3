package scenario

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// maxRawFrame bounds the payload of a frame a raw route reads.
const maxRawFrame = 64 << 20

// errFrameTooBig is returned by readFrame for a frame over maxRawFrame.
var errFrameTooBig = errors.New("scenario: frame too big")

// rawFrame is a frame read off the wire, unmasked.
type rawFrame struct {
	fin     bool
	rsv     int
	op      byte
	masked  bool
	key     [4]byte
	payload []byte
}

// readFrame reads one frame as a client sends it (masked, but an unmasked
// one is read too, so that it can be recorded).
func readFrame(br *bufio.Reader) (rawFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return rawFrame{}, err
	}
	f := rawFrame{fin: h[0]&0x80 != 0, rsv: int(h[0]>>4) & 7, op: h[0] & 0x0f, masked: h[1]&0x80 != 0}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, noEOF(err)
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, noEOF(err)
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > maxRawFrame {
		return f, errFrameTooBig
	}
	if f.masked {
		if _, err := io.ReadFull(br, f.key[:]); err != nil {
			return f, noEOF(err)
		}
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(br, f.payload); err != nil {
		return f, noEOF(err)
	}
	if f.masked {
		for i := range f.payload {
			f.payload[i] ^= f.key[i&3]
		}
	}
	return f, nil
}

// noEOF turns io.EOF in the middle of a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendFrame appends an unmasked final frame, as a server sends it.
func appendFrame(dst []byte, op byte, p []byte) []byte {
	dst = append(dst, 0x80|op)
	switch n := len(p); {
	case n <= 125:
		dst = append(dst, byte(n))
	case n <= 0xffff:
		dst = append(dst, 126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, p...)
}

// closeBody returns a Close frame's body: empty when code is 0.
func closeBody(code int, reason string) []byte {
	if code == 0 {
		return nil
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// containsClose reports whether the server frames in b, read as far as
// they parse, include a Close frame.
func containsClose(b []byte) bool {
	br := bufio.NewReader(bytes.NewReader(b))
	for {
		f, err := readFrame(br)
		if err != nil {
			return false
		}
		if f.op == 8 {
			return true
		}
	}
}

// acceptKey computes Sec-WebSocket-Accept for a Sec-WebSocket-Key.
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// offeredProtocols returns the subprotocols the client offered, in order.
func offeredProtocols(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// handshakeResponse builds the server's answer to r by hand, as the query
// q asks: raw (these bytes instead of a response), status (another status
// than 101; 3xx get a Location), accept (this Sec-WebSocket-Accept, none when
// empty), protocol (this Sec-WebSocket-Protocol whatever was offered, none
// when empty; without it the first offered protocol is chosen), extensions
// (this Sec-WebSocket-Extensions). It reports whether the answer is a
// well-formed 101, after which frames may follow.
func handshakeResponse(r *http.Request, q url.Values) ([]byte, bool) {
	if q.Has("raw") {
		return []byte(q.Get("raw")), false
	}
	if st := q.Get("status"); st != "" && st != "101" {
		var b bytes.Buffer
		fmt.Fprintf(&b, "HTTP/1.1 %s %s\r\n", st, http.StatusText(atoi(st)))
		if st[0] == '3' {
			b.WriteString("Location: /echo\r\n")
		}
		b.WriteString("Content-Length: 0\r\n\r\n")
		return b.Bytes(), false
	}
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	accept := acceptKey(r.Header.Get("Sec-WebSocket-Key"))
	if q.Has("accept") {
		accept = q.Get("accept")
	}
	if accept != "" {
		b.WriteString("Sec-WebSocket-Accept: " + accept + "\r\n")
	}
	protocol := ""
	if offered := offeredProtocols(r.Header); len(offered) > 0 {
		protocol = offered[0]
	}
	if q.Has("protocol") {
		protocol = q.Get("protocol")
	}
	if protocol != "" {
		b.WriteString("Sec-WebSocket-Protocol: " + protocol + "\r\n")
	}
	if q.Has("extensions") {
		b.WriteString("Sec-WebSocket-Extensions: " + q.Get("extensions") + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes(), true
}

// atoi parses a small decimal number, 0 when s is not one.
func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' || n > 1e8 {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// hijack takes the connection of a WebSocket handshake request from net/http.
// The reader it returns holds whatever the client sent after its request.
func hijack(w http.ResponseWriter, r *http.Request) (net.Conn, *bufio.Reader, error) {
	if r.Header.Get("Sec-WebSocket-Key") == "" {
		http.Error(w, "not a WebSocket handshake", http.StatusBadRequest)
		return nil, nil, errors.New("scenario: not a WebSocket handshake")
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return nil, nil, err
	}
	nc.SetDeadline(timeNone)
	var br *bufio.Reader
	if brw != nil && brw.Reader != nil && brw.Reader.Buffered() > 0 {
		b, _ := brw.Reader.Peek(brw.Reader.Buffered())
		br = bufio.NewReader(io.MultiReader(bytes.NewReader(bytes.Clone(b)), nc))
	} else {
		br = bufio.NewReader(nc)
	}
	return nc, br, nil
}
