package chat

import (
	"encoding/json"
	"fmt"
	"time"
)

// The values of a message's "type" field.
const (
	// TypeID is sent by the server to a new connection with its id; the client
	// answers with TypeUsername.
	TypeID = "id"
	// TypeUsername is sent by a client to ask for a name, first when it gets
	// its id and again on every rename.
	TypeUsername = "username"
	// TypeRejectUsername tells a client that the name it asked for was taken
	// and which name the server gave it instead.
	TypeRejectUsername = "rejectusername"
	// TypeUserList is broadcast with everyone's name whenever the list
	// changes (join, rename, leave).
	TypeUserList = "userlist"
	// TypeMessage is a chat line: from a client with its id, and broadcast by
	// the server with the sender's name.
	TypeMessage = "message"
)

// Message is every message of the protocol: Type says which fields matter
// (see the package documentation). Fields that are not set are left out of
// the JSON, except Users, which a "userlist" always carries, even empty.
type Message struct {
	Type  string   `json:"type"`
	ID    int      `json:"id,omitzero"`
	Name  string   `json:"name,omitzero"`
	Text  string   `json:"text,omitzero"`
	Date  int64    `json:"date,omitzero"` // milliseconds since the Unix epoch, as JavaScript's Date.now()
	Users []string `json:"users,omitzero"`
}

// Line is one chat line as a client shows it.
type Line struct {
	Name string    // who wrote it, as the server knows them
	Text string    // what they wrote
	Date time.Time // when the sender sent it (the sender's clock)
}

// Encode returns m as the JSON text a WebSocket text message carries.
func Encode(m Message) (string, error) {
	if m.Type == TypeUserList && m.Users == nil {
		m.Users = []string{} // the list is always there, as MDN's server sends it
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("chat: encoding a %q message: %w", m.Type, err)
	}
	return string(b), nil
}

// Decode parses a WebSocket text message. A message without a type is an
// error; one with an unknown type is returned as it is, for the caller to
// ignore, so that old clients survive new message types.
func Decode(data string) (Message, error) {
	var m Message
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		return Message{}, fmt.Errorf("chat: decoding a message: %w", err)
	}
	if m.Type == "" {
		return Message{}, fmt.Errorf("chat: decoding a message: no type in %.80q", data)
	}
	return m, nil
}
