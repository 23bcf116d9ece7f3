// Package token checks RFC 2616 tokens, the grammar of a
// Sec-WebSocket-Protocol element (RFC 6455 §4.1). It is shared by the engine
// and the W3C layer, whose browser build must not import the engine.
package token

import "strings"

// separators are the RFC 2616 separators a token may not contain.
const separators = `()<>@,;:\"/[]?={}`

// Valid reports whether s is a non-empty token: characters U+0021..U+007E
// except the separators.
func Valid(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// IsTokenChar reports whether c may appear in a token.
func IsTokenChar(c byte) bool {
	return c >= 0x21 && c <= 0x7e && strings.IndexByte(separators, c) < 0
}
