package server

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCleanName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "alice", "alice"},
		{"spaces", "  alice   liddell ", "alice liddell"},
		{"controls", "al\x00ice\n\tl", "al ice l"},
		{"empty", " \t ", "guest"},
		{"long", strings.Repeat("é", MaxNameLen+5), strings.Repeat("é", MaxNameLen)},
		{"longEndsInSpace", strings.Repeat("a", MaxNameLen-1) + " b", strings.Repeat("a", MaxNameLen-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cleanName(tt.in))
		})
	}
}
