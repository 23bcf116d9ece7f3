package scenario

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestFrameString(t *testing.T) {
	for _, tc := range []struct {
		f    Frame
		want string
	}{
		{newFrame(1, true, 0, true, []byte("hi")), `text "hi"`},
		{newFrame(2, false, 4, true, []byte{1, 2, 3}), "binary 3 nofin rsv=4"},
		{newFrame(8, true, 0, true, nil), "close empty"},
		{newFrame(8, true, 0, false, closeBody(4001, "bye")), `close 4001 "bye" unmasked`},
		{newFrame(8, true, 0, true, []byte{3}), "close 1-byte"},
		{newFrame(10, true, 0, true, []byte("abc")), `pong "abc"`},
		{newFrame(3, true, 0, true, nil), "op3 0"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("%+v: got %s, want %s", tc.f, got, tc.want)
		}
	}
}

func TestLogOfUnknownID(t *testing.T) {
	url, stop := NewServer().Start()
	defer stop()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url + "/log?id=nobody&wait=10")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("no CORS header")
	}
	var l Log
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	if l.ID != "nobody" || l.Conns != 0 || l.Ended {
		t.Errorf("got %+v", l)
	}
}
