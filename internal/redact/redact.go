// Package redact hides the password of a URL in error messages, also in a
// URL that does not parse, where url.URL.Redacted cannot help. It is shared
// by the engine and the W3C layer, whose browser build must not import the
// engine.
package redact

import "strings"

// URL returns raw with the password of its user info replaced by "xxxxx", as
// url.URL.Redacted writes it, or raw itself when it has none. raw need not
// parse. Its authority is found as the URL standard finds it for the special
// schemes (ws, wss, http, https): past leading spaces and controls, past
// "scheme:" if there is one, and past any run of slashes, backslashes, tabs
// and newlines, up to the next slash or backslash. A URL with neither a
// scheme nor a leading slash is a relative path and has no authority. The user
// info is the authority up to its last '@', and the password is what follows
// the first ':' in it.
//
// A '?' or '#' does not end the authority here, unlike in url.Parse, so that a
// password holding one unescaped ("ws://u:p#ss@host/") is hidden whole. The
// price is that a "name:value@" in a query or fragment before any slash is
// hidden too ("ws://host?a:b@c" gives "ws://host?a:xxxxx@c").
func URL(raw string) string {
	i := 0
	for i < len(raw) && raw[i] <= ' ' {
		i++
	}
	if c := strings.IndexByte(raw[i:], ':'); c > 0 && !strings.ContainsAny(raw[i:i+c], `/\?#@`) {
		i += c + 1
	} else if i == len(raw) || (raw[i] != '/' && raw[i] != '\\') {
		return raw
	}
	for i < len(raw) && strings.IndexByte("/\\\t\n\r", raw[i]) >= 0 {
		i++
	}
	auth := raw[i:]
	if end := strings.IndexAny(auth, `/\`); end >= 0 {
		auth = auth[:end]
	}
	at := strings.LastIndexByte(auth, '@')
	if at < 0 {
		return raw
	}
	colon := strings.IndexByte(auth[:at], ':')
	if colon < 0 {
		return raw
	}
	return raw[:i+colon+1] + "xxxxx" + raw[i+at:]
}
