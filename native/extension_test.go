package native

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// extParam is a shorthand for a parameter with a value.
func extParam(name, value string) extensionParam {
	return extensionParam{name: name, value: value, hasValue: true}
}

// extFlag is a shorthand for a parameter without a value.
func extFlag(name string) extensionParam { return extensionParam{name: name} }

// TestExtensionParse checks the parser on headers it must accept: the names,
// the parameters (with and without values, quoted values unquoted and
// unescaped), whitespace around every separator, empty list elements, several
// header values, and raw as each element's trimmed text.
func TestExtensionParse(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []extension
	}{
		{name: "none", values: nil, want: nil},
		{name: "emptyValue", values: []string{""}, want: nil},
		{name: "onlyCommasAndSpace", values: []string{" , ,\t,", ""}, want: nil},
		{name: "bareName", values: []string{"permessage-deflate"},
			want: []extension{{name: "permessage-deflate", raw: "permessage-deflate"}}},
		{name: "chromeOffer", values: []string{"permessage-deflate; client_max_window_bits"},
			want: []extension{{
				name:   "permessage-deflate",
				params: []extensionParam{extFlag("client_max_window_bits")},
				raw:    "permessage-deflate; client_max_window_bits",
			}}},
		{name: "paramsWithAndWithoutValues", values: []string{"foo; a=1; b; c=x-y"},
			want: []extension{{
				name:   "foo",
				params: []extensionParam{extParam("a", "1"), extFlag("b"), extParam("c", "x-y")},
				raw:    "foo; a=1; b; c=x-y",
			}}},
		{name: "noSpaces", values: []string{"foo;a=1;b"},
			want: []extension{{
				name:   "foo",
				params: []extensionParam{extParam("a", "1"), extFlag("b")},
				raw:    "foo;a=1;b",
			}}},
		{name: "whitespaceEverywhere", values: []string{" \t foo \t; \ta \t= \t1 \t;\tb\t ,\t bar \t"},
			want: []extension{
				{
					name:   "foo",
					params: []extensionParam{extParam("a", "1"), extFlag("b")},
					raw:    "foo \t; \ta \t= \t1 \t;\tb",
				},
				{name: "bar", raw: "bar"},
			}},
		{name: "quotedValue", values: []string{`foo; a="10"; b=2`},
			want: []extension{{
				name:   "foo",
				params: []extensionParam{extParam("a", "10"), extParam("b", "2")},
				raw:    `foo; a="10"; b=2`,
			}}},
		{name: "quotedEscapes", values: []string{`foo; a="\1\0"; b="x\-y"`},
			want: []extension{{
				name:   "foo",
				params: []extensionParam{extParam("a", "10"), extParam("b", "x-y")},
				raw:    `foo; a="\1\0"; b="x\-y"`,
			}}},
		{name: "quotedValueThenSpace", values: []string{`foo; a = "1" , bar`},
			want: []extension{
				{name: "foo", params: []extensionParam{extParam("a", "1")}, raw: `foo; a = "1"`},
				{name: "bar", raw: "bar"},
			}},
		{name: "emptyElementsSkipped", values: []string{",, foo ,, ,bar,"},
			want: []extension{{name: "foo", raw: "foo"}, {name: "bar", raw: "bar"}}},
		{name: "severalValues", values: []string{"foo; x", "", " , ", "bar; y=2, baz"},
			want: []extension{
				{name: "foo", params: []extensionParam{extFlag("x")}, raw: "foo; x"},
				{name: "bar", params: []extensionParam{extParam("y", "2")}, raw: "bar; y=2"},
				{name: "baz", raw: "baz"},
			}},
		{name: "repeatedNamesKept", values: []string{"permessage-deflate, permessage-deflate; a"},
			want: []extension{
				{name: "permessage-deflate", raw: "permessage-deflate"},
				{name: "permessage-deflate", params: []extensionParam{extFlag("a")}, raw: "permessage-deflate; a"},
			}},
		{name: "tokenChars", values: []string{"x!#$%&'*+-.^_`|~09AZaz; p!#$%&'*+-.^_`|~=v!#$%&'*+-.^_`|~"},
			want: []extension{{
				name:   "x!#$%&'*+-.^_`|~09AZaz",
				params: []extensionParam{extParam("p!#$%&'*+-.^_`|~", "v!#$%&'*+-.^_`|~")},
				raw:    "x!#$%&'*+-.^_`|~09AZaz; p!#$%&'*+-.^_`|~=v!#$%&'*+-.^_`|~",
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseExtensions(tt.values)
			require.NoError(t, err, "%q", tt.values)
			assert.Equal(t, tt.want, got, "%q", tt.values)
		})
	}
}

// TestExtensionParseErrors checks that every syntax error fails the whole
// header, whichever value and element it is in.
func TestExtensionParseErrors(t *testing.T) {
	bad := []string{
		";",
		"; a",
		"=foo",
		"foo;",
		"foo; ",
		"foo;;a",
		"foo; ;a",
		"foo; a;",
		"foo; =1",
		"foo; a=",
		"foo; a= ",
		"foo; a=;b",
		"foo; a= , bar",
		"foo; a==1",
		`foo; a="1`,
		`foo; a="1\`,
		`foo; a="`,
		`foo; a=""`,
		`foo; a="1 0"`,
		`foo; a="1,0"`,
		`foo; a="1;0"`,
		`foo; a="1\"0"`,
		`foo; a="1\,0"`,
		`foo; a="\""`,
		`foo; a="é"`,
		`foo; a="1"2`,
		`foo; a=1"2"`,
		`"foo"`,
		`foo; "a"=1`,
		"foo bar",
		"foo; a b",
		"foo; a=1 2",
		"foo=1",
		"foo@bar",
		"foo; a@b",
		"foo; a=b@c",
		"foo/1",
		"foo:bar",
		"foo; a=(1)",
		"fo\x00o",
		"foo\r\n",
		"foo; a=1\x7f",
		"föo",
		"foo,@",
		"foo, bar;",
	}
	for _, v := range bad {
		got, err := parseExtensions([]string{v})
		assert.ErrorIs(t, err, errExtensionSyntax, "%q parsed as %+v", v, got)
		assert.Nil(t, got, "%q", v)
		// A bad value fails the header even after good ones.
		_, err = parseExtensions([]string{"permessage-deflate", v})
		assert.ErrorIs(t, err, errExtensionSyntax, "%q as a second value", v)
		_, err = parseExtensions([]string{"permessage-deflate, " + v})
		assert.ErrorIs(t, err, errExtensionSyntax, "%q as a second element", v)
	}
}

// TestExtensionRawReparses checks that an element's raw text parses back to
// the same element, which is what a client reports and what FuzzParseExtensions
// relies on.
func TestExtensionRawReparses(t *testing.T) {
	exts, err := parseExtensions([]string{
		`  a ; x = "1" ;y,b;z=2  `,
		"\tpermessage-deflate; client_max_window_bits=15; server_no_context_takeover\t",
	})
	require.NoError(t, err)
	require.Len(t, exts, 3)
	assert.Equal(t, `a ; x = "1" ;y`, exts[0].raw)
	assert.Equal(t, "b;z=2", exts[1].raw)
	assert.Equal(t, "permessage-deflate; client_max_window_bits=15; server_no_context_takeover", exts[2].raw)
	for _, e := range exts {
		again, err := parseExtensions([]string{e.raw})
		require.NoError(t, err)
		assert.Equal(t, []extension{e}, again)
	}
}
