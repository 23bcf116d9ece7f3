package native

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// deflateOffer is what a client with compression on sends: exactly what
// Chrome sends on every connection.
const deflateOffer = "permessage-deflate; client_max_window_bits"

// deflateName is the extension's registered name (RFC 7692 §7).
const deflateName = "permessage-deflate"

// deflateParams are the negotiated parameters of permessage-deflate (RFC
// 7692 §7.1), from one offer or one response.
type deflateParams struct {
	serverNoContextTakeover bool
	clientNoContextTakeover bool
	// serverMaxWindowBits is 8..15, or 0 when absent.
	serverMaxWindowBits int
	// clientMaxWindowBits is 8..15, -1 when present without a value (an
	// offer only), or 0 when absent.
	clientMaxWindowBits int
}

var (
	errDeflateDuplicate = errors.New("duplicate parameter")
	errDeflateUnknown   = errors.New("unknown parameter")
)

// parseDeflateParams checks the parameters of one permessage-deflate
// element, as an offer (client to server) or as a response. It fails on
// what RFC 7692 §7 rules out: an unknown or repeated parameter, a value on
// a *_no_context_takeover, a window size that is not 8 to 15 in plain
// decimal (no sign, no leading zero, as Chrome parses it), a
// server_max_window_bits without a value, and, in a response, a
// client_max_window_bits without one.
func parseDeflateParams(e extension, response bool) (deflateParams, error) {
	var p deflateParams
	seen := map[string]bool{}
	for _, q := range e.params {
		if seen[q.name] {
			return p, fmt.Errorf("%w %s", errDeflateDuplicate, q.name)
		}
		seen[q.name] = true
		switch q.name {
		case "server_no_context_takeover", "client_no_context_takeover":
			if q.hasValue {
				return p, fmt.Errorf("%s must not have a value", q.name)
			}
			if q.name == "server_no_context_takeover" {
				p.serverNoContextTakeover = true
			} else {
				p.clientNoContextTakeover = true
			}
		case "server_max_window_bits":
			bits, err := windowBits(q)
			if err != nil {
				return p, err
			}
			p.serverMaxWindowBits = bits
		case "client_max_window_bits":
			if !q.hasValue {
				if response {
					return p, errors.New("client_max_window_bits must have a value in a response")
				}
				p.clientMaxWindowBits = -1
				continue
			}
			bits, err := windowBits(q)
			if err != nil {
				return p, err
			}
			p.clientMaxWindowBits = bits
		default:
			return p, fmt.Errorf("%w %q", errDeflateUnknown, q.name)
		}
	}
	return p, nil
}

// windowBits parses a *_max_window_bits value: 8 to 15 in plain decimal.
func windowBits(q extensionParam) (int, error) {
	v := q.value
	if !q.hasValue || v == "" || v[0] < '1' || v[0] > '9' {
		return 0, fmt.Errorf("invalid %s %q", q.name, v)
	}
	bits, err := strconv.Atoi(v)
	if err != nil || bits < 8 || bits > 15 {
		return 0, fmt.Errorf("invalid %s %q", q.name, v)
	}
	return bits, nil
}

// negotiateDeflate is the server's side (RFC 7692 §5): it takes the first
// valid permessage-deflate offer of the request and returns the parameters
// in force and the response element, or ok false when there is none to
// accept. An offer that breaks §7 is declined, not fatal: the next one is
// tried. Every valid offer is acceptable: a window limit on our side under
// 15 bits is honoured by compressing without back-references (see
// [deflateParams.ownWindowBits]). In mode CompressionNoContextTakeover
// the response adds server_no_context_takeover and
// client_no_context_takeover, which §7.1.1 lets a server add unasked, so
// that neither side keeps a window between messages.
func negotiateDeflate(values []string, mode CompressionMode) (p deflateParams, response string, ok bool) {
	exts, err := parseExtensions(values)
	if err != nil {
		return p, "", false
	}
	for _, e := range exts {
		if e.name != deflateName {
			continue
		}
		offer, err := parseDeflateParams(e, false)
		if err != nil {
			continue
		}
		p = deflateParams{
			serverNoContextTakeover: offer.serverNoContextTakeover || mode == CompressionNoContextTakeover,
			clientNoContextTakeover: offer.clientNoContextTakeover || mode == CompressionNoContextTakeover,
			serverMaxWindowBits:     offer.serverMaxWindowBits,
		}
		response = deflateName
		if p.serverNoContextTakeover {
			response += "; server_no_context_takeover"
		}
		if p.clientNoContextTakeover {
			response += "; client_no_context_takeover"
		}
		if p.serverMaxWindowBits != 0 {
			response += "; server_max_window_bits=" + strconv.Itoa(p.serverMaxWindowBits)
		}
		// client_max_window_bits is left out of the response: our
		// inflater takes any window, so the client keeps what it offered.
		p.clientMaxWindowBits = max(offer.clientMaxWindowBits, 0)
		return p, response, true
	}
	return p, "", false
}

// checkDeflateResponse is the client's side: it checks the server's
// Sec-WebSocket-Extensions against our offer (deflateOffer, or nothing when
// compression is off) as Chrome does, and returns the parameters in force
// and the Extensions() string: the accepted element as the server wrote
// it. A syntax error, an extension other than permessage-deflate, a second
// permessage-deflate, an invalid parameter, or any extension when none was
// offered fails the handshake.
func checkDeflateResponse(values []string, offered bool) (p deflateParams, accepted bool, extensions string, err error) {
	if blankList(values) {
		return p, false, "", nil
	}
	exts, err := parseExtensions(values)
	if err != nil {
		return p, false, "", fmt.Errorf("Sec-WebSocket-Extensions %q: %w", values, err)
	}
	for _, e := range exts {
		if !offered || e.name != deflateName {
			return p, false, "", fmt.Errorf("server accepted extension %q, which was not offered", e.name)
		}
		if accepted {
			return p, false, "", errors.New("server accepted permessage-deflate twice")
		}
		if p, err = parseDeflateParams(e, true); err != nil {
			return p, false, "", fmt.Errorf("permessage-deflate response %q: %w", e.raw, err)
		}
		accepted, extensions = true, e.raw
	}
	return p, accepted, extensions, nil
}

// blankList reports whether values hold no list element at all: only
// commas and whitespace, which HTTP's #rule reads as an empty list.
func blankList(values []string) bool {
	for _, v := range values {
		if strings.Trim(v, " \t,") != "" {
			return false
		}
	}
	return true
}
