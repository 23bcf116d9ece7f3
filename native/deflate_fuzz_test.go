package native

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/w3ws/w3ws/internal/token"
)

// FuzzParseExtensions feeds arbitrary Sec-WebSocket-Extensions values (one
// per line of the input) to the parser and the negotiation on both sides.
// Nothing may panic; a header that parses has token names, parameters and
// values, and each element's raw text parses back to that element alone.
// Whatever a server of ours answers, a client of ours accepts, with the same
// parameters. Its seeds are in testdata/fuzz/FuzzParseExtensions.
func FuzzParseExtensions(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		values := strings.Split(in, "\n")
		exts, err := parseExtensions(values)
		if err != nil {
			if exts != nil {
				t.Fatalf("%q: elements %+v beside error %v", in, exts, err)
			}
		}
		for _, e := range exts {
			if !token.Valid(e.name) {
				t.Fatalf("%q: name %q is not a token", in, e.name)
			}
			for _, p := range e.params {
				if !token.Valid(p.name) {
					t.Fatalf("%q: parameter %q is not a token", in, p.name)
				}
				if p.hasValue && !token.Valid(p.value) || !p.hasValue && p.value != "" {
					t.Fatalf("%q: parameter %+v has a bad value", in, p)
				}
			}
			if e.raw != strings.Trim(e.raw, " \t") || e.raw == "" {
				t.Fatalf("%q: raw %q is not trimmed", in, e.raw)
			}
			again, err := parseExtensions([]string{e.raw})
			if err != nil || len(again) != 1 {
				t.Fatalf("%q: raw %q reparses as %+v, %v", in, e.raw, again, err)
			}
			if again[0].name != e.name || again[0].raw != e.raw || len(again[0].params) != len(e.params) {
				t.Fatalf("%q: raw %q reparses as %+v, not %+v", in, e.raw, again[0], e)
			}
			for i := range e.params {
				if again[0].params[i] != e.params[i] {
					t.Fatalf("%q: raw %q reparses as %+v, not %+v", in, e.raw, again[0], e)
				}
			}
			parseDeflateParams(e, false)
			parseDeflateParams(e, true)
		}

		for _, offered := range []bool{false, true} {
			p, accepted, ext, err := checkDeflateResponse(values, offered)
			if err == nil && accepted != (ext != "") {
				t.Fatalf("%q: accepted %v with Extensions %q", in, accepted, ext)
			}
			if accepted {
				if !offered {
					t.Fatalf("%q: accepted without an offer", in)
				}
				if p.clientMaxWindowBits < 0 {
					t.Fatalf("%q: client_max_window_bits without a value accepted", in)
				}
			}
		}
		for _, mode := range []CompressionMode{CompressionNoContextTakeover, CompressionContextTakeover} {
			p, response, ok := negotiateDeflate(values, mode)
			if !ok {
				if response != "" {
					t.Fatalf("%q: response %q without a deal", in, response)
				}
				continue
			}
			if mode == CompressionNoContextTakeover && !(p.serverNoContextTakeover && p.clientNoContextTakeover) {
				t.Fatalf("%q: mode NoContextTakeover but %+v", in, p)
			}
			cp, accepted, ext, err := checkDeflateResponse([]string{response}, true)
			if err != nil || !accepted || ext != response {
				t.Fatalf("%q: our answer %q refused by our client: %v", in, response, err)
			}
			if cp.serverNoContextTakeover != p.serverNoContextTakeover || cp.clientNoContextTakeover != p.clientNoContextTakeover ||
				cp.serverMaxWindowBits != p.serverMaxWindowBits || cp.clientMaxWindowBits != 0 {
				t.Fatalf("%q: server agreed %+v, client understood %+v", in, p, cp)
			}
		}
	})
}

// fuzzInflateLimit is the message limit of FuzzInflate: small, so that
// bombs are found quickly.
const fuzzInflateLimit = 1 << 12

// FuzzInflate feeds arbitrary bytes as a compressed message's payload to an
// inflater, twice (the second time with the first result as its window,
// as a peer that keeps its context would have it). It must never panic,
// never return more than the limit, leave dst as it was on error, and agree
// with compress/flate's own reader on the same input: the same bytes when
// that inflates within the limit, ErrMessageTooBig when that goes past it,
// ErrInflate when that fails. Its seeds are the payloads of the RFC 7692
// vectors and testdata/fuzz/FuzzInflate.
func FuzzInflate(f *testing.F) {
	for _, v := range loadDeflateVectors(f) {
		var msg []byte
		for _, w := range v.wire {
			h, n, err := parseHeaderRSV(w, true)
			if err != nil || n == 0 {
				f.Fatalf("%s: bad frame", v.Name)
			}
			msg = append(msg, w[n:]...)
			if h.fin {
				f.Add(msg)
				msg = nil
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// The window the peer declared: 8 to 15 bits (8 read as 9).
		bits := 8 + len(in)%8
		fl := &inflater{takeover: true, windowSize: 1 << max(bits, 9)}
		var window []byte
		for pass := range 2 {
			var dict []byte
			if pass == 1 {
				dict = window[max(0, len(window)-fl.windowSize):]
			}
			// RFC 7692 §7.2.2's tail, then an empty final block.
			refIn := bytes.Join([][]byte{in, pmdSyncTail, pmdFinalBlock}, nil)
			ref, refErr := io.ReadAll(io.LimitReader(flate.NewReaderDict(bytes.NewReader(refIn), dict), fuzzInflateLimit+1))

			dst := make([]byte, 3, 3+len(in)%97)
			copy(dst, "pre")
			out, err := fl.inflate(dst, append(append([]byte(nil), in...), inflateTail...), fuzzInflateLimit)
			if !bytes.HasPrefix(out, []byte("pre")) {
				t.Fatalf("pass %d: dst's bytes lost: %q", pass, out[:min(len(out), 3)])
			}
			got := out[3:]
			if len(got) > fuzzInflateLimit {
				t.Fatalf("pass %d: %d bytes over the %d limit", pass, len(got), fuzzInflateLimit)
			}
			if err != nil && len(got) != 0 {
				t.Fatalf("pass %d: %d bytes beside error %v", pass, len(got), err)
			}
			switch {
			case len(ref) > fuzzInflateLimit:
				if !errors.Is(err, ErrMessageTooBig) {
					t.Fatalf("pass %d: compress/flate gives over %d bytes, we give %d and %v", pass, fuzzInflateLimit, len(got), err)
				}
				return
			case refErr != nil:
				if !errors.Is(err, ErrInflate) {
					t.Fatalf("pass %d: compress/flate fails (%v), we give %d bytes and %v", pass, refErr, len(got), err)
				}
				return
			case err != nil:
				t.Fatalf("pass %d: compress/flate inflates %d bytes, we fail: %v", pass, len(ref), err)
			case !bytes.Equal(got, ref):
				t.Fatalf("pass %d: we inflate %q, compress/flate %q", pass, got, ref)
			}
			window = append(window, got...)
		}
	})
}
