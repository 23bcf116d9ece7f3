package bot

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestReply(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	users := []string{"bot", "alice"}
	tests := []struct {
		name   string
		self   string
		text   string
		want   string
		wantOK bool
	}{
		{"notForTheBot", "bot", "hello everyone", "", false},
		{"nameWithoutComma", "bot", "bot hello", "", false},
		{"short", "bot", "bo", "", false},
		{"hello", "bot", "bot, hello", "Hello, alice!", true},
		{"anyCase", "bot", "  BOT, Hi!  ", "Hello, alice!", true},
		{"time", "bot", "bot, time?", "It is 02:04:05 UTC.", true},
		{"who", "bot", "bot, who", "In the room: bot, alice.", true},
		{"help", "bot", "bot,", `I know "bot, hello", "bot, time" and "bot, who"; anything else after "bot," I repeat.`, true},
		{"echo", "bot", "bot, what is 6×7?", "alice, you said: what is 6×7?", true},
		{"renamedBot", "bot2", "bot2, hello", "Hello, alice!", true},
		{"otherBot", "bot2", "bot, hello", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := reply(tt.self, "alice", tt.text, users, now)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}
