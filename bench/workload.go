package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/w3ws/w3ws/bench/impl"
)

// workload is what a measurement sends, and how its client connects.
type workload struct {
	// msgs are sent in turn, the first again after the last; all have
	// the same size.
	msgs [][]byte
	cfg  impl.Config
}

// binaryLoad is the echo part's workload: one binary message of size
// pseudo-random bytes, without compression.
func binaryLoad(size int) workload {
	return workload{msgs: [][]byte{payload(size)}}
}

// size is the workload's message size.
func (w workload) size() int { return len(w.msgs[0]) }

// msg returns the i-th message sent, from 0.
func (w workload) msg(i int64) []byte { return w.msgs[i%int64(len(w.msgs))] }

// jsonRing returns the deflate part's messages of a size: distinct JSON
// texts (from 128 bytes on), so many that no message repeats within the
// last 32 KiB sent (a compressor keeping its context could otherwise send
// a repeat as one back reference), and at least 256 KiB in all, within
// 1024 messages.
func jsonRing(size int) [][]byte {
	n := min(max(256<<10/size, 48<<10/size+2, 2), 1024)
	msgs := make([][]byte, n)
	r := rand.New(rand.NewPCG(uint64(size), 7692))
	for i := range msgs {
		msgs[i] = jsonMessage(r, size)
	}
	return msgs
}

// Vocabulary of the JSON records.
var (
	jsonFirst   = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Linus", "Frances", "John", "Sophie", "Dennis", "Hedy", "Niklaus"}
	jsonLast    = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Perlman", "Torvalds", "Allen", "McCarthy", "Wilson", "Ritchie", "Lamarr", "Wirth"}
	jsonDomains = []string{"example.com", "example.org", "mail.example.net", "corp.example"}
	jsonTags    = []string{"admin", "beta", "billing", "eu-west", "us-east", "mobile", "desktop", "trial", "vip", "support", "api", "legacy"}
	jsonStates  = []string{"active", "pending", "suspended", "deleted"}
	jsonWords   = []string{"the", "order", "was", "shipped", "to", "customer", "after", "payment", "cleared", "and", "stock", "checked", "by", "warehouse", "team", "on", "request", "refund", "issued", "delayed", "because", "address", "invalid", "updated"}
)

// jsonMessage returns a JSON array of user records of exactly size bytes
// (ASCII, so valid UTF-8): the same keys in every record, values that vary
// (ids, names, addresses, timestamps, tags, a few words of a note), about
// what an API sends.
func jsonMessage(r *rand.Rand, size int) []byte {
	b := make([]byte, 0, size+512)
	b = append(b, '[')
	var rec []byte
	id := 100000 + r.Int64N(900000)
	for {
		id += 1 + r.Int64N(20)
		rec = appendRecord(rec[:0], r, id)
		sep := 0
		if len(b) > 1 {
			sep = 1
		}
		if len(b)+sep+len(rec)+1 > size {
			break
		}
		if sep == 1 {
			b = append(b, ',')
		}
		b = append(b, rec...)
	}
	// Fill the rest with a last record {"note":"..."} of the right length,
	// or with spaces (JSON whitespace) where not even that fits.
	const head, tail = `{"note":"`, `"}`
	room := size - len(b) - 1 // before the closing bracket
	sep := 0
	if len(b) > 1 {
		sep = 1
	}
	if n := room - sep - len(head) - len(tail); n >= 0 {
		if sep == 1 {
			b = append(b, ',')
		}
		b = append(b, head...)
		b = appendText(b, r, n)
		b = append(b, tail...)
	} else {
		for range room {
			b = append(b, ' ')
		}
	}
	b = append(b, ']')
	if len(b) != size {
		panic(fmt.Sprintf("jsonMessage: %d bytes, want %d", len(b), size))
	}
	return b
}

// appendRecord appends one user record; ids rise from one record to the
// next, as in a page of results.
func appendRecord(b []byte, r *rand.Rand, id int64) []byte {
	first, last := pick(r, jsonFirst), pick(r, jsonLast)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"name":"`...)
	b = append(b, first...)
	b = append(b, ' ')
	b = append(b, last...)
	b = append(b, `","email":"`...)
	b = appendLower(b, first)
	b = append(b, '.')
	b = appendLower(b, last)
	b = append(b, '@')
	b = append(b, pick(r, jsonDomains)...)
	b = append(b, `","status":"`...)
	b = append(b, pick(r, jsonStates)...)
	b = append(b, `","score":`...)
	b = strconv.AppendInt(b, int64(r.IntN(1000)), 10)
	b = append(b, `,"verified":`...)
	b = strconv.AppendBool(b, r.IntN(4) != 0)
	b = append(b, `,"created":"2025-`...)
	b = appendInt2(b, 1+r.IntN(12))
	b = append(b, '-')
	b = appendInt2(b, 1+r.IntN(28))
	b = append(b, 'T')
	b = appendInt2(b, r.IntN(24))
	b = append(b, ':')
	b = appendInt2(b, r.IntN(60))
	b = append(b, `:00Z","tags":["`...)
	tag := r.IntN(len(jsonTags))
	b = append(b, jsonTags[tag]...)
	if r.IntN(2) == 0 {
		b = append(b, `","`...)
		b = append(b, jsonTags[(tag+1+r.IntN(len(jsonTags)-1))%len(jsonTags)]...)
	}
	b = append(b, '"')
	b = append(b, `],"note":"`...)
	b = appendText(b, r, 8+r.IntN(24))
	b = append(b, `"}`...)
	return b
}

// appendText appends exactly n bytes of words separated by spaces, the last
// one cut to fit.
func appendText(b []byte, r *rand.Rand, n int) []byte {
	end := len(b) + n
	for len(b) < end {
		if len(b) > end-n {
			b = append(b, ' ')
		}
		w := pick(r, jsonWords)
		b = append(b, w[:min(len(w), end-len(b))]...)
	}
	return b
}

func pick(r *rand.Rand, from []string) string { return from[r.IntN(len(from))] }

// appendLower appends s in lower case (ASCII).
func appendLower(b []byte, s string) []byte {
	for i := range len(s) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// appendInt2 appends n, 0 to 99, in two digits.
func appendInt2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}
