package native

import (
	"errors"
	"strings"

	"github.com/w3ws/w3ws/internal/token"
)

// extension is one element of a Sec-WebSocket-Extensions header (RFC 6455
// §9.1): a name and its parameters, with the element's text as it was sent
// (trimmed), which a client reports as Extensions() the way Chrome does.
type extension struct {
	name   string
	params []extensionParam
	raw    string
}

// extensionParam is one parameter of an extension. A quoted value has its
// quotes and escapes removed.
type extensionParam struct {
	name     string
	value    string
	hasValue bool
}

var errExtensionSyntax = errors.New("malformed Sec-WebSocket-Extensions")

// parseExtensions parses every value of a Sec-WebSocket-Extensions header
// with the grammar of RFC 6455 §9.1:
//
//	extension-list = 1#extension
//	extension      = token *( ";" param )
//	param          = token [ "=" ( token / quoted-string ) ]
//
// with optional whitespace around the separators. A quoted value must be a
// token once unquoted (§9.1). Empty list elements are skipped, as HTTP's
// #rule allows. Any other deviation fails the whole header, as Chrome's
// parser does.
func parseExtensions(values []string) ([]extension, error) {
	var out []extension
	for _, v := range values {
		p := extParser{s: v}
		for {
			p.skipSpace()
			if p.done() {
				break
			}
			if p.peek() == ',' {
				p.i++
				continue
			}
			e, err := p.extension()
			if err != nil {
				return nil, err
			}
			out = append(out, e)
			p.skipSpace()
			if p.done() {
				break
			}
			if p.peek() != ',' {
				return nil, errExtensionSyntax
			}
			p.i++
		}
	}
	return out, nil
}

// extParser is a cursor over one header value.
type extParser struct {
	s string
	i int
}

func (p *extParser) done() bool { return p.i >= len(p.s) }
func (p *extParser) peek() byte { return p.s[p.i] }

func (p *extParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// token reads a token, or returns "" when none starts here.
func (p *extParser) token() string {
	start := p.i
	for p.i < len(p.s) && token.IsTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// extension reads one extension element.
func (p *extParser) extension() (extension, error) {
	start := p.i
	e := extension{name: p.token()}
	if e.name == "" {
		return e, errExtensionSyntax
	}
	end := p.i
	for {
		p.skipSpace()
		if p.done() || p.peek() != ';' {
			break
		}
		p.i++
		p.skipSpace()
		param := extensionParam{name: p.token()}
		if param.name == "" {
			return e, errExtensionSyntax
		}
		p.skipSpace()
		if !p.done() && p.peek() == '=' {
			p.i++
			p.skipSpace()
			v, err := p.value()
			if err != nil {
				return e, err
			}
			param.value, param.hasValue = v, true
		}
		e.params = append(e.params, param)
		end = p.i
	}
	e.raw = strings.TrimRight(p.s[start:end], " \t")
	return e, nil
}

// value reads a parameter value: a token, or a quoted string whose content
// is a token.
func (p *extParser) value() (string, error) {
	if p.done() || p.peek() != '"' {
		if v := p.token(); v != "" {
			return v, nil
		}
		return "", errExtensionSyntax
	}
	p.i++
	var b strings.Builder
	for !p.done() {
		c := p.peek()
		p.i++
		switch c {
		case '"':
			v := b.String()
			if !token.Valid(v) {
				return "", errExtensionSyntax
			}
			return v, nil
		case '\\':
			if p.done() {
				return "", errExtensionSyntax
			}
			c = p.peek()
			p.i++
		}
		b.WriteByte(c)
	}
	return "", errExtensionSyntax // unterminated
}
