package jsbridge

// The bounds of the byte slices a socket keeps for later messages: at most
// maxSpares of them, together at most maxSpareBytes.
const (
	maxSpares     = 16
	maxSpareBytes = 1 << 20
)

// spares are byte slices given back (WebSocket.Recycle) for later
// messages to be copied into. They are few and bounded, so a socket keeps
// at most maxSpareBytes for them.
type spares struct {
	free  [][]byte
	bytes int
}

// put keeps b for a later message, letting go of the oldest kept slices
// as the bounds require (they may be of a size messages no longer have).
func (s *spares) put(b []byte) {
	if cap(b) == 0 || cap(b) > maxSpareBytes {
		return
	}
	for len(s.free) == maxSpares || s.bytes+cap(b) > maxSpareBytes {
		s.bytes -= cap(s.free[0])
		last := copy(s.free, s.free[1:])
		s.free[last] = nil
		s.free = s.free[:last]
	}
	s.free = append(s.free, b[:0])
	s.bytes += cap(b)
}

// takeLast returns the most recently kept slice, or nil.
func (s *spares) takeLast() []byte {
	if len(s.free) == 0 {
		return nil
	}
	last := len(s.free) - 1
	b := s.free[last]
	s.free[last] = nil
	s.free = s.free[:last]
	s.bytes -= cap(b)
	return b
}

// fits reports whether b can hold a message of n bytes, n > 0, without
// being more than twice its size.
func fits(b []byte, n int) bool {
	return n > 0 && cap(b) >= n && cap(b) <= 2*n
}
