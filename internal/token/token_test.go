package token

import "testing"

func TestValid(t *testing.T) {
	for _, s := range []string{"chat", "v1.json", "a-b_c~!#$%&'*+^`|"} {
		if !Valid(s) {
			t.Errorf("Valid(%q) = false", s)
		}
	}
	for _, s := range []string{"", "a b", "a,b", "a/b", "é", "a\x7f", "a\tb", "{x}", `"q"`} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true", s)
		}
	}
}
