package websocket

import (
	"strings"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestParseURLCasesMatchBrowser checks that every expectation of urlCases
// is what the browser's URL parser gives, followed by the constructor's
// scheme step (http to ws, https to wss, any other scheme refused): the
// same href, or a refusal where the case wants a SyntaxError. The URL
// parser does not connect, so hosts that do not exist cost nothing.
func TestParseURLCasesMatchBrowser(t *testing.T) {
	for _, tc := range urlCases {
		href, ok := browserParseURL(tc.in, tc.base)
		if tc.want == "" {
			assert.False(t, ok, "%s: the browser gives %s", tc.in, href)
			continue
		}
		if assert.True(t, ok, "%s: the browser refuses it", tc.in) {
			assert.Equal(t, tc.want, href, tc.in)
		}
	}
}

// browserParseURL returns new URL(s, base).href with its scheme mapped as
// the WebSocket constructor maps it, or false if the URL parser throws or
// the scheme is not one a WebSocket takes.
func browserParseURL(s, base string) (href string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isJS := r.(js.Error); !isJS {
				panic(r)
			}
			href, ok = "", false
		}
	}()
	args := []any{s}
	if base != "" {
		args = append(args, base)
	}
	href = js.Global().Get("URL").New(args...).Get("href").String()
	for _, m := range [][2]string{{"http:", "ws:"}, {"https:", "wss:"}, {"ws:", "ws:"}, {"wss:", "wss:"}} {
		if rest, found := strings.CutPrefix(href, m[0]); found {
			return m[1] + rest, true
		}
	}
	return href, false
}
