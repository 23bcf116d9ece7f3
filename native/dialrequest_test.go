package native

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseDialURLRedactsPassword checks that no error of parseDialURL, and
// so of Dial, shows the password of the URL's user info, while each still
// says what is wrong.
func TestParseDialURLRedactsPassword(t *testing.T) {
	tests := []struct {
		name, url string
		want      []string // in the error text
		urlError  bool     // wraps url.Parse's *url.Error
	}{
		{"badPort", "ws://user:s3cret@host:99999/", []string{`invalid port "99999"`}, false},
		{"fragment", "ws://user:s3cret@host/#frag", []string{`"ws://user:xxxxx@host/#frag" has a fragment`}, false},
		{"badEscape", "ws://user:s3cret@%zz/", []string{`"ws://user:xxxxx@%zz/"`, `invalid URL escape "%zz"`}, true},
		{"badScheme", "ftp://user:s3cret@h/", []string{`scheme "ftp" is not ws, wss, http or https`}, false},
		{"badEscapeInPassword", "ws://user:s3%zzcret@host/", []string{`"ws://user:xxxxx@host/"`, "invalid user info"}, true},
		{"hashInPassword", "ws://user:s3#cret@host/", []string{`"ws://user:xxxxx@host/" has a '#' in its password (escape it as %23)`}, false},
		{"opaque", "ws:user:s3cret@host/", []string{`"ws:user:xxxxx@host/" has no host`}, false},
		{"noHost", "ws:///user:s3cret@host/", []string{`"ws:///user:xxxxx@host/" has no host`}, false},
		{"controlCharacter", "ws://user:s3cret@host/\x00", []string{`"ws://user:xxxxx@host/\x00"`, "invalid control character"}, true},
		{"nonASCIIHost", "ws://user:s3cret@exämple.com/", []string{"is not an ASCII host name"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDialURL(tt.url)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidURL)
			assert.NotContains(t, err.Error(), "s3")
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			var ue *url.Error
			assert.Equal(t, tt.urlError, errors.As(err, &ue))
		})
	}
}
