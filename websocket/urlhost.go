package websocket

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// canonicalAuthority applies the URL standard's authority rules for a
// special scheme to the authority of a ws or wss URL ([userinfo@]host[:port])
// and returns it as the url attribute shows it: the host through
// parseHost, the port as a number within 0-65535, dropped when it is the
// scheme's default; the user info through canonicalUserinfo. It does this
// before net/url sees the URL, which would refuse hosts browsers take
// ("a%21b") and take ones they refuse ("[fe80::1%25eth0]").
func canonicalAuthority(authority, scheme string) (string, bool) {
	userinfo, hostport := "", authority
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		userinfo, hostport = canonicalUserinfo(authority[:i]), authority[i+1:]
	}
	host, port, hasPort := splitHostPort(hostport)
	host, ok := parseHost(host)
	if !ok {
		return "", false
	}
	if hasPort && port != "" {
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return "", false
			}
		}
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return "", false
		}
		if !(scheme == "ws" && n == 80) && !(scheme == "wss" && n == 443) {
			host += ":" + strconv.FormatUint(n, 10)
		}
	}
	return userinfo + host, true
}

// canonicalUserinfo returns the user info of an authority (without its
// '@') followed by '@', percent-encoding what net/url would refuse in it
// (spaces, controls, non-ASCII, quotes, brackets...), as browsers encode
// it, and dropping an empty password and an empty user info, as browsers
// serialize them ("ws://u:@h/" is "ws://u@h/", "ws://@h/" is "ws://h/").
func canonicalUserinfo(s string) string {
	user, pass, _ := strings.Cut(s, ":")
	user, pass = encodeURLPart(user, userinfoEncodeSet), encodeURLPart(pass, userinfoEncodeSet)
	switch {
	case pass != "":
		return user + ":" + pass + "@"
	case user != "":
		return user + "@"
	}
	return ""
}

// userinfoEncodeSet is what canonicalUserinfo percent-encodes beyond C0
// controls, space and non-ASCII: the printable ASCII of the URL standard's
// userinfo percent-encode set that net/url refuses in user info. The rest
// of that set (':', ';', '=', '@' and '/') net/url writes as it writes them.
const userinfoEncodeSet = "\"<>[\\]^`{|}"

// splitHostPort splits host[:port] at the first ':' outside brackets, as
// the URL standard's host state does.
func splitHostPort(s string) (host, port string, hasPort bool) {
	inBrackets := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			inBrackets = true
		case ']':
			inBrackets = false
		case ':':
			if !inBrackets {
				return s[:i], s[i+1:], true
			}
		}
	}
	return s, "", false
}

// parseHost is the URL standard's host parser for a special scheme: an IPv6
// literal in brackets, serialized in its shortest form (a zone is refused,
// as browsers refuse it); otherwise a domain, percent-decoded and mapped by
// domainToASCII ("bücher.example" becomes "xn--bcher-kva.example", letters
// are lowercased), free of forbidden domain code points, and read as an IPv4
// address when it ends in a number ("127.1" is 127.0.0.1, "1.2.3.09" is
// refused).
func parseHost(s string) (string, bool) {
	if strings.HasPrefix(s, "[") {
		if !strings.HasSuffix(s, "]") {
			return "", false
		}
		a, err := netip.ParseAddr(s[1 : len(s)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", false
		}
		return "[" + serializeIPv6(a) + "]", true
	}
	domain := percentDecode(s)
	// The URL standard decodes invalid UTF-8 to U+FFFD, which UTS #46
	// disallows; the idna package would instead encode it ("%E500" as
	// "xn--00-fg4n", a label it then refuses to decode).
	if domain == "" || !utf8.ValidString(domain) {
		return "", false
	}
	ascii, err := domainToASCII.ToASCII(domain)
	if err != nil || ascii == "" || badPunycodeLabel(domain) {
		return "", false
	}
	ascii = strings.ToLower(ascii)
	for i := 0; i < len(ascii); i++ {
		if c := ascii[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(forbiddenDomainCodePoints, c) >= 0 {
			return "", false
		}
	}
	if endsInNumber(ascii) {
		return parseIPv4(ascii)
	}
	return ascii, true
}

// badPunycodeLabel reports whether a label of domain, once UTS #46 has
// mapped it, is a Punycode label UTS #46 refuses and the idna package does
// not: "xn--" alone (which the idna package drops: "xn--.example" would
// become ".example") or one with non-ASCII in it (which it re-encodes into
// another label: "xn--abcü-" would become "xn--abc-joa"). Each label is
// mapped behind a "0", so that the idna package maps it ("ｘｎ－－" to
// "xn--", the Kelvin sign to "k") without reading it as Punycode; a "0"
// composes with no mark that could follow it.
func badPunycodeLabel(domain string) bool {
	for _, label := range strings.FieldsFunc(domain, func(r rune) bool {
		return r == '.' || r == '\u3002' || r == '\uff0e' || r == '\uff61' // the dots UTS #46 maps to '.'
	}) {
		mapped, _ := domainToASCII.ToUnicode("0" + label) // its errors are ToASCII's to report
		mapped = strings.TrimPrefix(mapped, "0")
		if strings.HasPrefix(mapped, "xn--") && (mapped == "xn--" || !isASCII(mapped)) {
			return true
		}
	}
	return false
}

// isASCII reports whether s is ASCII only.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// domainToASCII is UTS #46 ToASCII as the URL standard's "domain to ASCII"
// runs it for a URL (beStrict false): nontransitional, with the Bidi and
// joiner rules, but neither the hyphen rules nor the STD3 ASCII rules nor the
// DNS length limits, so "my_service" and "-a-" are hosts, as in browsers.
var domainToASCII = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
	idna.VerifyDNSLength(false),
)

// forbiddenDomainCodePoints are the printable ASCII forbidden domain code
// points of the URL standard (controls, space and DEL are checked apart).
const forbiddenDomainCodePoints = `#%/:<>?@[\]^|`

// percentDecode decodes each %XX of s; a '%' not followed by two hex digits
// stays as it is, as in the URL standard.
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if hi, lo := unhex(s[i+1]), unhex(s[i+2]); hi >= 0 && lo >= 0 {
				b = append(b, byte(hi<<4|lo))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

// unhex is the value of the hex digit c, or -1.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
