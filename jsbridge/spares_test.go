package jsbridge

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSpares(t *testing.T) {
	var s spares
	a := make([]byte, 100)
	s.put(a)
	b := s.take(80)
	assert.Len(t, b, 80)
	assert.Same(t, &a[0], &b[0], "a kept slice with room is reused")
	assert.Equal(t, 0, s.bytes)

	s.put(make([]byte, 10))
	c := s.take(20)
	assert.Len(t, c, 20, "too small a kept slice is not used")
	assert.Equal(t, 10, s.bytes, "and stays kept")
	d := s.take(4)
	assert.Len(t, d, 4)
	assert.Equal(t, 4, cap(d), "a kept slice over twice the size is not used")
	assert.Equal(t, 10, s.bytes)
	e := s.take(0)
	assert.NotNil(t, e, "an empty message is an empty slice")
	assert.Equal(t, 10, s.bytes, "which takes no kept slice")

	s.put(nil)
	assert.Len(t, s.free, 1, "an empty slice is not kept")

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
	assert.Equal(t, 100, cap(big.take(60)), "and serves a message of its size")
}
