package websocket

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/w3ws/w3ws/internal/redact"
	"github.com/w3ws/w3ws/internal/token"
)

// parseURL turns the constructor's url argument into the URL the socket
// connects to, as the WHATWG URL parser and the WebSocket constructor do:
// leading and trailing C0 controls and spaces are dropped, tabs and newlines
// removed, relative references resolved against base, http(s) mapped to
// ws(s), any other scheme and any fragment (even an empty "#") refused,
// scheme and host lowercased, a default port dropped, an empty path made "/",
// dot segments removed, and spaces, controls, double quotes, angle brackets
// and non-ASCII bytes in the path and query percent-encoded as UTF-8 (in the
// path also the backquote, braces, and '^' and '|' as Chromium encodes
// them; in the query the single quote), the rest kept as written. Every
// failure is a SyntaxError, worded as Chrome words it, except that a URL it
// quotes has its password shown as "xxxxx" (see redact.URL). The host goes
// through the URL standard's host parser (canonicalAuthority).
func parseURL(raw, base string) (*url.URL, error) {
	s := cleanURLInput(raw)
	if strings.ContainsRune(s, '#') {
		// The fragment is quoted from the redacted URL: a '#' may sit in an
		// unescaped password, and then the URL is invalid, as Chrome finds it.
		r := redact.URL(s)
		i := strings.IndexByte(r, '#')
		if i < 0 {
			return nil, syntaxError(fmt.Sprintf("The URL '%s' is invalid.", redact.URL(raw)))
		}
		return nil, syntaxError(fmt.Sprintf("The URL contains a fragment identifier ('%s'). Fragment identifiers are not allowed in WebSocket URLs.", r[i+1:]))
	}
	scheme, rest, ok := splitScheme(s)
	if !ok {
		return resolveRelative(s, raw, base)
	}
	if baseScheme, _, _ := splitScheme(cleanURLInput(base)); base != "" && isSpecial(scheme) && scheme == baseScheme {
		// To the URL standard, "http:x" against an http base is the
		// relative "x", and "http:/x" the relative "/x".
		return resolveRelative(rest, raw, base)
	}
	switch scheme {
	case "http":
		scheme = "ws"
	case "https":
		scheme = "wss"
	case "ws", "wss":
	default:
		return nil, syntaxError(fmt.Sprintf("The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '%s' is not allowed.", scheme))
	}
	// Special schemes ignore the slashes (or their absence) before the authority.
	rest = strings.TrimLeft(rest, `/\`)
	end := strings.IndexAny(rest, `/?\`)
	if end < 0 {
		end = len(rest)
	}
	authority, ok := canonicalAuthority(rest[:end], scheme)
	if !ok {
		return nil, syntaxError(fmt.Sprintf("The URL '%s' is invalid.", redact.URL(raw)))
	}
	path, query, hasQuery := strings.Cut(rest[end:], "?")
	path = strings.ReplaceAll(path, `\`, "/") // a query keeps its '\'
	s = scheme + "://" + authority + encodeURLPart(removeDotSegments(path), pathEncodeSet)
	if hasQuery {
		s += "?" + encodeURLPart(query, queryEncodeSet)
	}
	// The path is in its final form, which net/url keeps as written (its
	// RawPath): pathEncodeSet encodes every byte net/url would.
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return nil, syntaxError(fmt.Sprintf("The URL '%s' is invalid.", redact.URL(raw)))
	}
	u.ForceQuery = hasQuery && u.RawQuery == ""
	return u, nil
}

// cleanURLInput drops the leading and trailing C0 controls and spaces of a
// URL string, and its tabs and newlines, as the URL parser does first.
func cleanURLInput(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
}

// resolveRelative resolves the relative reference s (of the constructor's
// url argument raw) against base, as the URL standard does for a special
// base: a '\' before the query is a '/'; a reference that then starts with
// "//" brings its own authority, which the absolute parser reads (any run
// of slashes, user info, host) under the base's scheme; otherwise the
// reference's path replaces the base's last segment, or the whole path if
// it starts with '/', and its query (or, for "", the base's) follows. The
// result goes through the absolute parser again, for its dot segments and
// encoding. Errors quote raw.
func resolveRelative(s, raw, base string) (*url.URL, error) {
	if base == "" {
		return nil, syntaxError(fmt.Sprintf("The URL '%s' is invalid: a relative URL needs Options.BaseURL.", redact.URL(raw)))
	}
	invalid := syntaxError(fmt.Sprintf("The URL '%s' is invalid.", redact.URL(raw)))
	base, _, _ = strings.Cut(cleanURLInput(base), "#") // a page's URL may have a fragment
	baseScheme, _, _ := splitScheme(base)
	switch baseScheme {
	case "http", "https", "ws", "wss":
	case "ftp", "file":
		// Resolved, the URL would have the base's scheme (a file: page).
		return nil, syntaxError(fmt.Sprintf("The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '%s' is not allowed.", baseScheme))
	case "":
		return nil, syntaxError(fmt.Sprintf("The base URL '%s' is invalid.", redact.URL(base)))
	default:
		return nil, invalid // a base without a host (about:blank) resolves nothing
	}
	b, err := parseURL(base, "")
	if err != nil {
		return nil, syntaxError(fmt.Sprintf("The base URL '%s' is invalid.", redact.URL(base)))
	}
	q := strings.IndexByte(s, '?')
	if q < 0 {
		q = len(s)
	}
	s = strings.ReplaceAll(s[:q], `\`, "/") + s[q:]
	if strings.HasPrefix(s, "//") {
		u, err := parseURL(baseScheme+":"+s, "")
		if err != nil {
			return nil, invalid
		}
		return u, nil
	}
	path, query, hasQuery := strings.Cut(s, "?")
	switch {
	case path == "" && !hasQuery:
		path, query, hasQuery = b.EscapedPath(), b.RawQuery, b.ForceQuery || b.RawQuery != ""
	case path == "":
		path = b.EscapedPath()
	case !strings.HasPrefix(path, "/"):
		bp := b.EscapedPath()
		path = bp[:strings.LastIndexByte(bp, '/')+1] + path
	}
	authority := b.Host
	if b.User != nil {
		authority = b.User.String() + "@" + authority
	}
	abs := b.Scheme + "://" + authority + path
	if hasQuery {
		abs += "?" + query
	}
	u, err := parseURL(abs, "")
	if err != nil {
		return nil, invalid
	}
	return u, nil
}

// isSpecial reports whether scheme is one of the URL standard's special
// schemes, whose URLs have a host and treat '\' as '/'.
func isSpecial(scheme string) bool {
	switch scheme {
	case "ftp", "file", "http", "https", "ws", "wss":
		return true
	}
	return false
}

// removeDotSegments removes the dot segments of a path as the URL
// standard's path state does: "." goes, ".." takes the segment before it
// with it, a percent-encoded dot counts as a dot ("%2e", ".%2E"...), and
// one that ends the path leaves a trailing '/'. Unlike net/url it keeps
// empty segments ("/a/..//z" is "//z").
func removeDotSegments(path string) string {
	if path == "" {
		return "/"
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	out := make([]string, 0, len(segs))
	for i, seg := range segs {
		last := i == len(segs)-1
		switch strings.ToLower(seg) {
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		case ".", "%2e":
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	return "/" + strings.Join(out, "/")
}

// toUSVString replaces each maximal invalid UTF-8 subsequence of s with
// U+FFFD, as the Encoding standard's UTF-8 decoder does: the Go form of the
// USVString conversion the browser applies to send() and close() strings.
func toUSVString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || n > 1 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		b.WriteString("\uFFFD")
		i += maximalSubpart(s[i:])
	}
	return b.String()
}

// maximalSubpart returns the length of the invalid sequence at the start of
// s that one U+FFFD replaces: the lead byte and the continuation bytes that
// could still have completed it.
func maximalSubpart(s string) int {
	lo, hi, need := byte(0x80), byte(0xbf), 0
	switch c := s[0]; {
	case c >= 0xc2 && c <= 0xdf:
		need = 1
	case c == 0xe0:
		lo, need = 0xa0, 2
	case c == 0xed:
		hi, need = 0x9f, 2
	case c >= 0xe1 && c <= 0xef:
		need = 2
	case c == 0xf0:
		lo, need = 0x90, 3
	case c == 0xf4:
		hi, need = 0x8f, 3
	case c >= 0xf1 && c <= 0xf3:
		need = 3
	}
	n := 1
	for ; n <= need && n < len(s); n++ {
		if c := s[n]; c < lo || c > hi {
			break
		}
		lo, hi = 0x80, 0xbf
	}
	return n
}

// splitScheme splits "scheme:rest" when s starts with a URL scheme
// (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"), lowercasing it.
func splitScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// Percent-encode sets of the WHATWG URL standard, beyond C0 controls, space
// and non-ASCII, which are always encoded.
const (
	queryEncodeSet = `"<>'`
	// pathEncodeSet has '^' and '|' too, as Chromium encodes them in a path
	// (the standard does not); then no byte is left that net/url would
	// encode, so it keeps the path as written (its RawPath) and does not
	// write it again its own way, decoding a "%2F" to a '/'.
	pathEncodeSet = "\"<>`{}^|"
)

// encodeURLPart percent-encodes the bytes of s that the URL standard encodes
// in a path or query, keeping existing escapes.
func encodeURLPart(s, set string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(set, c) >= 0 {
			if b.Len() == 0 {
				b.WriteString(s[:i])
			}
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		} else if b.Len() > 0 {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

// originOf returns the serialized origin of a ws(s) URL, as
// MessageEvent.origin carries it: scheme://host[:port].
func originOf(u *url.URL) string { return u.Scheme + "://" + u.Host }

// checkConstructor applies the constructor's checks, as new WebSocket()
// and new WebSocketStream() do: the URL, resolved against o.BaseURL (or
// the build's default base), then the subprotocols.
func checkConstructor(rawURL string, o *Options) (*url.URL, error) {
	base := o.BaseURL
	if base == "" {
		base = defaultBaseURL()
	}
	u, err := parseURL(rawURL, base)
	if err != nil {
		return nil, err
	}
	if err := checkProtocols(o.Protocols); err != nil {
		return nil, err
	}
	return u, nil
}

// checkProtocols applies the constructor's subprotocol rules: each must be a
// valid token and none may repeat (compared case-sensitively, as browsers do).
func checkProtocols(ps []string) error {
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		if !token.Valid(p) {
			return syntaxError(fmt.Sprintf("The subprotocol '%s' is invalid.", p))
		}
		if seen[p] {
			return syntaxError(fmt.Sprintf("The subprotocol '%s' is duplicated.", p))
		}
		seen[p] = true
	}
	return nil
}

// maxCloseReason is the longest close reason, in UTF-8 bytes.
const maxCloseReason = 123

// checkClose validates close()'s arguments as the standard orders it (before
// any state check) and returns the reason as it will be sent: invalid UTF-8 is
// replaced with U+FFFD, as a USVString conversion would.
func checkClose(code int, reason string) (string, error) {
	if code != 0 && code != 1000 && (code < 3000 || code > 4999) {
		return "", domException(ErrInvalidAccess, fmt.Sprintf("The close code must be either 1000, or between 3000 and 4999. %d is neither.", code))
	}
	reason = toUSVString(reason)
	if len(reason) > maxCloseReason {
		return "", syntaxError("The close reason must not be greater than 123 UTF-8 bytes.")
	}
	return reason, nil
}
