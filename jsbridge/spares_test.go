package jsbridge

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSpares(t *testing.T) {
	var s spares
	assert.Nil(t, s.takeLast(), "nothing kept")
	a, b := make([]byte, 100), make([]byte, 10)
	s.put(a)
	s.put(b)
	s.put(nil)
	assert.Len(t, s.free, 2, "an empty slice is not kept")
	assert.Equal(t, 110, s.bytes)
	got := s.takeLast()
	assert.Same(t, &b[0], &got[:1][0], "the most recent first")
	assert.Equal(t, 100, s.bytes)

	var full spares
	for i := range maxSpares + 4 {
		full.put(make([]byte, 1000+i))
	}
	assert.Len(t, full.free, maxSpares, "no more than maxSpares kept")
	assert.Equal(t, 1004, cap(full.free[0]), "the oldest went first")
	var big spares
	big.put(make([]byte, maxSpareBytes+1))
	assert.Empty(t, big.free, "a slice over maxSpareBytes is not kept")
	big.put(make([]byte, maxSpareBytes-10))
	big.put(make([]byte, 100))
	assert.Len(t, big.free, 1, "no more than maxSpareBytes kept")
	assert.Equal(t, 100, big.bytes, "the newest is kept, the oldest let go")
}

func TestFits(t *testing.T) {
	b := make([]byte, 10, 17)
	assert.True(t, fits(b, 17))
	assert.True(t, fits(b, 9), "at most twice the message")
	assert.False(t, fits(b, 8), "over twice the message")
	assert.False(t, fits(b, 18), "too small")
	assert.False(t, fits(b, 0), "an empty message takes nothing")
}
