package server

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/w3ws/w3ws/wasm/chat"
	"github.com/w3ws/w3ws/websocket"
)

// MaxNameLen is the longest name the room keeps, in runes; a longer one is
// cut. Names appear in every user list, so they are kept short.
const MaxNameLen = 32

// room is the chat's state: who is connected, under which name. Its methods
// run on the sockets' event goroutines, one per connection, so a mutex
// guards it; broadcasts happen under that mutex, so every member sees the
// room's events in the same order (Send only queues, it never blocks).
type room struct {
	logf func(format string, args ...any)

	mu      sync.Mutex // guards the fields below
	nextID  int
	members map[*websocket.WebSocket]*member
}

// member is one connection in the room.
type member struct {
	id   int
	name string // "" until the client sent its username
}

// newRoom returns an empty room that logs with logf (nil: no logging).
func newRoom(logf func(string, ...any)) *room {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &room{logf: logf, members: make(map[*websocket.WebSocket]*member)}
}

// join adds a new connection and sends it its id.
func (r *room) join(ws *websocket.WebSocket) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	m := &member{id: r.nextID}
	r.members[ws] = m
	r.send(ws, chat.Message{Type: chat.TypeID, ID: m.id})
}

// leave removes a connection; if it had a name, everyone gets the new list.
func (r *room) leave(ws *websocket.WebSocket) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.members[ws]
	if !ok {
		return
	}
	delete(r.members, ws)
	if m.name != "" {
		r.logf("chat: %s left", m.name)
		r.broadcastUsers()
	}
}

// receive handles one message from a connection.
func (r *room) receive(ws *websocket.WebSocket, data any) {
	text, ok := data.(string)
	if !ok {
		r.logf("chat: ignoring a binary message")
		return
	}
	msg, err := chat.Decode(text)
	if err != nil {
		r.logf("%v", err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.members[ws]
	if !ok {
		return // it already left
	}
	switch msg.Type {
	case chat.TypeUsername:
		r.rename(ws, m, msg.Name)
	case chat.TypeMessage:
		if m.name == "" || strings.TrimSpace(msg.Text) == "" {
			return // MDN's client always names itself first; drop anything else
		}
		date := msg.Date
		if date <= 0 {
			date = time.Now().UnixMilli()
		}
		r.broadcast(chat.Message{Type: chat.TypeMessage, Name: m.name, Text: msg.Text, Date: date})
	default:
		r.logf("chat: ignoring a %q message from %d", msg.Type, m.id)
	}
}

// rename gives m the name it asked for, or, when another member has it, the
// name with the smallest number from 2 up appended that nobody has ("alice"
// → "alice2"), and tells the member with "rejectusername". Names compare
// case-insensitively. Everyone then gets the new user list.
func (r *room) rename(ws *websocket.WebSocket, m *member, requested string) {
	base := cleanName(requested)
	name := base
	for n := 2; r.taken(name, m); n++ {
		name = fmt.Sprintf("%s%d", base, n)
	}
	if name != requested {
		r.send(ws, chat.Message{Type: chat.TypeRejectUsername, Name: name})
	}
	if name == m.name {
		return
	}
	if m.name == "" {
		r.logf("chat: %s joined", name)
	} else {
		r.logf("chat: %s is now %s", m.name, name)
	}
	m.name = name
	r.broadcastUsers()
}

// taken reports whether a member other than self is called name.
func (r *room) taken(name string, self *member) bool {
	for _, m := range r.members {
		if m != self && strings.EqualFold(m.name, name) {
			return true
		}
	}
	return false
}

// broadcastUsers sends everyone the names of the named members, in the order
// they connected.
func (r *room) broadcastUsers() {
	named := make([]*member, 0, len(r.members))
	for _, m := range r.members {
		if m.name != "" {
			named = append(named, m)
		}
	}
	slices.SortFunc(named, func(a, b *member) int { return cmp.Compare(a.id, b.id) })
	users := make([]string, len(named))
	for i, m := range named {
		users[i] = m.name
	}
	r.broadcast(chat.Message{Type: chat.TypeUserList, Users: users})
}

// broadcast sends msg to every named member. The caller holds r.mu.
func (r *room) broadcast(msg chat.Message) {
	s, err := chat.Encode(msg)
	if err != nil {
		r.logf("%v", err)
		return
	}
	for ws, m := range r.members {
		if m.name != "" {
			ws.Send(s) // an error means it is closing: its leave comes next
		}
	}
}

// send sends msg to one connection. The caller holds r.mu.
func (r *room) send(ws *websocket.WebSocket, msg chat.Message) {
	s, err := chat.Encode(msg)
	if err != nil {
		r.logf("%v", err)
		return
	}
	ws.Send(s)
}

// sockets returns every connection in the room.
func (r *room) sockets() []*websocket.WebSocket {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*websocket.WebSocket, 0, len(r.members))
	for ws := range r.members {
		out = append(out, ws)
	}
	return out
}

// cleanName makes a requested name fit for the user list: control
// characters become spaces, runs of spaces one space, at most MaxNameLen
// runes, and "guest" if nothing is left.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if rs := []rune(s); len(rs) > MaxNameLen {
		s = strings.TrimSpace(string(rs[:MaxNameLen]))
	}
	if s == "" {
		return "guest"
	}
	return s
}
