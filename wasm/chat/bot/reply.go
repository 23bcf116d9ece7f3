package bot

import (
	"fmt"
	"strings"
	"time"
)

// greeting is what the bot says when it joins a room with people in it.
func greeting(self string) string {
	return fmt.Sprintf("Hello, everyone! I am %s: say %q to talk to me.", self, self+", help")
}

// welcome is what the bot says to someone who just joined (or took a new
// name).
func welcome(self, who string) string {
	return fmt.Sprintf("Welcome, %s! Say %q to talk to me.", who, self+", help")
}

// reply returns the bot's answer to text, written by from, and whether the
// bot answers at all: only lines that start with its name and a comma
// ("bot, hello", any case) are for it. It knows "help", "hello" (or "hi"),
// "time" and "who"; anything else it echoes.
func reply(self, from, text string, users []string, now time.Time) (string, bool) {
	prefix := self + ","
	text = strings.TrimSpace(text)
	if len(text) < len(prefix) || !strings.EqualFold(text[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(text[len(prefix):])
	switch strings.ToLower(strings.TrimRight(rest, "!?. ")) {
	case "", "help":
		return fmt.Sprintf(`I know "%[1]s, hello", "%[1]s, time" and "%[1]s, who"; anything else after "%[1]s," I repeat.`, self), true
	case "hello", "hi", "hey":
		return fmt.Sprintf("Hello, %s!", from), true
	case "time":
		return fmt.Sprintf("It is %s UTC.", now.UTC().Format("15:04:05")), true
	case "who":
		return fmt.Sprintf("In the room: %s.", strings.Join(users, ", ")), true
	}
	return fmt.Sprintf("%s, you said: %s", from, rest), true
}
