package native

import (
	crand "crypto/rand"
	"math/rand/v2"
)

// maskKeys is a per-connection source of masking keys (§5.3: a fresh,
// unpredictable key per frame). Reading crypto/rand for every frame costs
// about 100 ns; a ChaCha8 stream seeded once from crypto/rand is a CSPRNG
// that costs a few ns per key. It is not safe for concurrent use: the writer
// draws keys under its mutex.
type maskKeys struct {
	r *rand.ChaCha8
}

// newMaskKeys seeds a key source from crypto/rand.
func newMaskKeys() maskKeys {
	var seed [32]byte
	crand.Read(seed[:]) // never returns an error (Go >= 1.24 crashes instead)
	return maskKeys{r: rand.NewChaCha8(seed)}
}

// next returns the masking key for the next frame.
func (m maskKeys) next() uint32 { return uint32(m.r.Uint64()) }
