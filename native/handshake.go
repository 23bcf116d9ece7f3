package native

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/w3ws/w3ws/internal/token"
)

// acceptGUID is the fixed suffix of RFC 6455 §1.3 used to derive Sec-WebSocket-Accept.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// newKey returns a fresh Sec-WebSocket-Key: 16 bytes from crypto/rand, base64.
func newKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// acceptKey computes Sec-WebSocket-Accept for a Sec-WebSocket-Key (§4.2.2).
func acceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte(acceptGUID))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// headerTokens returns the comma-separated elements of every value of the
// header key, trimmed of optional whitespace, skipping empty elements.
func headerTokens(h http.Header, key string) []string {
	var out []string
	for _, v := range h[http.CanonicalHeaderKey(key)] {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// headerContainsToken reports whether the header key lists token,
// compared case-insensitively (as Connection: Upgrade is, §4.1).
func headerContainsToken(h http.Header, key, token string) bool {
	for _, t := range headerTokens(h, key) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

// ValidSubprotocol reports whether p is a valid Sec-WebSocket-Protocol element
// (RFC 6455 §4.1, an RFC 2616 token): non-empty, characters U+0021..U+007E
// except the separators ()<>@,;:\"/[]?={}.
func ValidSubprotocol(p string) bool { return token.Valid(p) }

// validHeaderValue reports whether v may be sent as a header field value:
// no control character but horizontal tab (RFC 7230 §3.2).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
