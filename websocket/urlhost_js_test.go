package websocket

import (
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestParseURLCasesMatchBrowser checks that every expectation of
// urlCases is what the browser's URL parser gives: the same href, or
// an exception where the case wants a SyntaxError. The URL parser does not
// connect, so hosts that do not exist cost nothing.
func TestParseURLCasesMatchBrowser(t *testing.T) {
	for _, tc := range urlCases {
		href, ok := browserParseURL(tc.in)
		if tc.want == "" {
			assert.False(t, ok, "%s: the browser gives %s", tc.in, href)
			continue
		}
		if assert.True(t, ok, "%s: the browser refuses it", tc.in) {
			assert.Equal(t, tc.want, href, tc.in)
		}
	}
}

// browserParseURL returns new URL(s).href, or false if it throws.
func browserParseURL(s string) (href string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isJS := r.(js.Error); !isJS {
				panic(r)
			}
			href, ok = "", false
		}
	}()
	return js.Global().Get("URL").New(s).Get("href").String(), true
}
