//go:build !js

// Native only: in the browser the testing package cannot read the seed
// corpus under testdata/fuzz (the js file system answers ENOSYS), and
// parseURL is the same Go code on both builds.

package websocket

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzURLPassword is the password FuzzParseURL puts in front of its inputs,
// which no SyntaxError may show.
const fuzzURLPassword = "wsS3cret"

// FuzzParseURL checks the constructor's URL parsing on an arbitrary url and
// base. It must not panic, and every error is a SyntaxError. A URL it accepts
// has the scheme ws or wss, a host and no fragment, serializes to printable
// ASCII without spaces (it goes on the wire), and is a fixed point: parsing
// its serialization again, without a base, gives the same URL. The url is
// also parsed behind user info with a password, in the forms a URL may take
// (with two, one or three slashes, leading spaces, scheme-relative against a
// base), and so is a base that carries the password; no message may show it.
func FuzzParseURL(f *testing.F) {
	for _, s := range [][2]string{
		{"ws://example.com/chat?room=1", ""},
		{"WSS://Example.COM:443/a/../b/./c", ""},
		{"http://[::1]:9000/p?", ""},
		{"https://bücher.example/", ""},
		{" \tws://ex\nample.com/a b?q r\"<>'` ", ""},
		{`ws:\\example.com\p`, ""},
		{"ws:example.com", ""},
		{"ws://example.com:65536/", ""},
		{"ws://exa%41mple.com/", ""},
		{"ws://user:s3cret@host:99999/", ""},
		{"ws://user:s3cret@host/#frag", ""},
		{"ws://user:s3cret@%zz/", ""},
		{"ftp://user:s3cret@h/", ""},
		{"ws://user:s3#cret@host/", ""},
		{"echo?x=1", "http://user:s3cret@example.com/dir/"},
		{"//other.example/p", "https://example.com/"},
		{"../up", "http://example.com/a/b/c"},
		{"rel", "%zz://x"},
		{"ws://example.com/%2e%2E/x", ""},
		{"ws://example.com/%zz?%zz", ""},
		{"ws://my_service%2E0x7F.1:1/", ""},
		{"ws://[0:0:1::ffff:1.2.3.4%25z]:80/", ""},
		{`http:/\\u@0x7f.1:1/a^%2F?\`, "http://u:s3cret@example.com/dir/"},
		{"ws://xn--.a/", ""},
	} {
		f.Add(s[0], s[1])
	}
	forms := []string{"ws://u:%s@", "ws:u:%s@", "wss:///u:%s@", " \tws://u:%s@", "//u:%s@"}
	f.Fuzz(func(t *testing.T, raw, base string) {
		u, err := parseURL(raw, base)
		if err != nil {
			assert.ErrorIs(t, err, ErrSyntax)
		} else {
			assert.Contains(t, []string{"ws", "wss"}, u.Scheme)
			assert.NotEmpty(t, u.Host)
			assert.Empty(t, u.Fragment)
			assert.Empty(t, u.RawFragment)
			s := u.String()
			for i := 0; i < len(s); i++ {
				if c := s[i]; c <= ' ' || c >= 0x7f {
					t.Fatalf("byte %#x in %q", c, s)
				}
			}
			again, err := parseURL(s, "")
			require.NoError(t, err, "%q does not parse again", s)
			assert.Equal(t, s, again.String())
		}

		if strings.Contains(raw, fuzzURLPassword) || strings.Contains(base, fuzzURLPassword) {
			return
		}
		check := func(raw, base string) {
			if _, err := parseURL(raw, base); err != nil {
				assert.NotContains(t, err.Error(), fuzzURLPassword, "url %q, base %q", raw, base)
				var de *DOMException
				assert.True(t, errors.As(err, &de) && de.Name == "SyntaxError", "%v", err)
			}
		}
		for _, form := range forms {
			check(strings.Replace(form, "%s", fuzzURLPassword, 1)+raw, "http://example.com/")
		}
		check(raw, "http://u:"+fuzzURLPassword+"@"+base)
	})
}
