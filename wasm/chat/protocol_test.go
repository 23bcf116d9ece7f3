package chat

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"id", Message{Type: TypeID, ID: 3}, `{"type":"id","id":3}`},
		{"username", Message{Type: TypeUsername, Name: "alice", ID: 3, Date: 1700000000000}, `{"type":"username","id":3,"name":"alice","date":1700000000000}`},
		{"message", Message{Type: TypeMessage, Name: "alice", Text: "hi", Date: 1}, `{"type":"message","name":"alice","text":"hi","date":1}`},
		{"reject", Message{Type: TypeRejectUsername, Name: "alice2"}, `{"type":"rejectusername","name":"alice2"}`},
		{"userlist", Message{Type: TypeUserList, Users: []string{"bot", "alice"}}, `{"type":"userlist","users":["bot","alice"]}`},
		{"emptyUserlist", Message{Type: TypeUserList}, `{"type":"userlist","users":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.msg)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, got)
			back, err := Decode(got)
			require.NoError(t, err)
			if tt.msg.Users == nil && back.Users != nil {
				back.Users = nil
			}
			assert.Equal(t, tt.msg, back)
		})
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    Message
		wantErr string
	}{
		{"mdnMessage", `{"type":"message","text":"hi","id":1,"date":1700000000000}`, Message{Type: TypeMessage, Text: "hi", ID: 1, Date: 1700000000000}, ""},
		{"unknownType", `{"type":"typing","name":"a"}`, Message{Type: "typing", Name: "a"}, ""},
		{"unknownField", `{"type":"id","id":2,"x":true}`, Message{Type: TypeID, ID: 2}, ""},
		{"noType", `{"id":2}`, Message{}, "no type"},
		{"notJSON", `hello`, Message{}, "chat: decoding a message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.data)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
