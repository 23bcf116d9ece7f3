// Package bot is the chat's bot: a chat.Client that joins the room as "bot",
// welcomes whoever joins, and answers lines addressed to it ("bot, hello").
// It uses package chat only, so it runs natively (cmd/chat starts it next to
// the server) and would run unchanged in a page.
package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/w3ws/w3ws/wasm/chat"
)

// DefaultName is the name the bot asks for when Config.Name is empty.
const DefaultName = "bot"

// Config says where the bot joins and how it talks.
type Config struct {
	// URL is the chat socket, for example ws://127.0.0.1:8080/ws.
	URL string
	// Name is the name the bot asks for; "" means DefaultName. When it is
	// taken the bot answers to the name the server gives it.
	Name string
	// Now gives the time for "bot, time"; nil means time.Now.
	Now func() time.Time
	// Logf, if not nil, receives what the bot does, one line each.
	Logf func(format string, args ...any)
}

// Bot is a bot in the room.
type Bot struct {
	c   *chat.Client
	cfg Config

	mu    sync.Mutex      // guards known
	known map[string]bool // names already welcomed; nil until the first user list
}

// Join connects the bot to the room and returns once it is in: from then on
// it welcomes and answers on its own. It gives up when ctx ends first.
func Join(ctx context.Context, cfg Config) (*Bot, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	b := &Bot{cfg: cfg}
	c, err := chat.Connect(ctx, chat.Config{
		URL:     cfg.URL,
		Name:    cfg.Name,
		OnLine:  b.onLine,
		OnUsers: b.onUsers,
		OnRename: func(_ *chat.Client, requested, given string) {
			cfg.Logf("bot: %q is taken, answering to %q", requested, given)
		},
		OnError: func(_ *chat.Client, err error) { cfg.Logf("bot: %v", err) },
	})
	if err != nil {
		return nil, fmt.Errorf("bot: joining: %w", err)
	}
	b.c = c
	return b, nil
}

// Name returns the bot's name in the room.
func (b *Bot) Name() string { return b.c.Name() }

// Done returns a channel that is closed when the bot's connection has
// closed, because of Leave or because the server went away.
func (b *Bot) Done() <-chan struct{} { return b.c.Done() }

// Leave closes the bot's connection (1000) and waits until it has closed or
// ctx ends.
func (b *Bot) Leave(ctx context.Context) error {
	if err := b.c.Close(); err != nil {
		return fmt.Errorf("bot: leaving: %w", err)
	}
	select {
	case <-b.c.Done():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("bot: leaving: %w", ctx.Err())
	}
}

// onLine answers a line addressed to the bot.
func (b *Bot) onLine(c *chat.Client, l chat.Line) {
	self := c.Name()
	if l.Name == self {
		return
	}
	answer, ok := reply(self, l.Name, l.Text, c.Users(), b.cfg.Now())
	if !ok {
		return
	}
	if err := c.Send(answer); err != nil {
		b.cfg.Logf("bot: answering %s: %v", l.Name, err)
	}
}

// onUsers welcomes the names that are new in the list. The first list is
// the room the bot joined: it says hello once if anyone else is there.
func (b *Bot) onUsers(c *chat.Client, users []string) {
	self := c.Name()
	b.mu.Lock()
	first := b.known == nil
	var fresh []string
	if first {
		b.known = make(map[string]bool)
	}
	for _, u := range users {
		if !b.known[u] && u != self {
			fresh = append(fresh, u)
		}
		b.known[u] = true
	}
	b.mu.Unlock()

	var lines []string
	switch {
	case first && len(fresh) > 0:
		lines = append(lines, greeting(self))
	case !first:
		for _, u := range fresh {
			lines = append(lines, welcome(self, u))
		}
	}
	for _, l := range lines {
		if err := c.Send(l); err != nil {
			b.cfg.Logf("bot: greeting: %v", err)
		}
	}
}
