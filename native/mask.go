package native

import (
	"encoding/binary"
	"math/bits"
)

// maskGo is the portable implementation of mask. It XORs b in place with key
// (the four wire key bytes read as little-endian, so that payload byte i is
// XORed with byte(key >> (8 * (i & 3)))) and returns key rotated by len(b)
// bytes, so that masking can continue in a following call.
//
// It works on 64-bit words, unrolled over 64, 32, 16 and 8 byte blocks, and
// finishes byte by byte. Every block length is a multiple of 4, so the key
// only needs rotating in the byte tail. The little-endian loads and stores
// compile to plain moves on the common architectures.
func maskGo(b []byte, key uint32) uint32 {
	if len(b) >= 8 {
		key64 := uint64(key)<<32 | uint64(key)
		for len(b) >= 64 {
			v := b[:64:64]
			binary.LittleEndian.PutUint64(v[0:8], binary.LittleEndian.Uint64(v[0:8])^key64)
			binary.LittleEndian.PutUint64(v[8:16], binary.LittleEndian.Uint64(v[8:16])^key64)
			binary.LittleEndian.PutUint64(v[16:24], binary.LittleEndian.Uint64(v[16:24])^key64)
			binary.LittleEndian.PutUint64(v[24:32], binary.LittleEndian.Uint64(v[24:32])^key64)
			binary.LittleEndian.PutUint64(v[32:40], binary.LittleEndian.Uint64(v[32:40])^key64)
			binary.LittleEndian.PutUint64(v[40:48], binary.LittleEndian.Uint64(v[40:48])^key64)
			binary.LittleEndian.PutUint64(v[48:56], binary.LittleEndian.Uint64(v[48:56])^key64)
			binary.LittleEndian.PutUint64(v[56:64], binary.LittleEndian.Uint64(v[56:64])^key64)
			b = b[64:]
		}
		if len(b) >= 32 {
			v := b[:32:32]
			binary.LittleEndian.PutUint64(v[0:8], binary.LittleEndian.Uint64(v[0:8])^key64)
			binary.LittleEndian.PutUint64(v[8:16], binary.LittleEndian.Uint64(v[8:16])^key64)
			binary.LittleEndian.PutUint64(v[16:24], binary.LittleEndian.Uint64(v[16:24])^key64)
			binary.LittleEndian.PutUint64(v[24:32], binary.LittleEndian.Uint64(v[24:32])^key64)
			b = b[32:]
		}
		if len(b) >= 16 {
			v := b[:16:16]
			binary.LittleEndian.PutUint64(v[0:8], binary.LittleEndian.Uint64(v[0:8])^key64)
			binary.LittleEndian.PutUint64(v[8:16], binary.LittleEndian.Uint64(v[8:16])^key64)
			b = b[16:]
		}
		if len(b) >= 8 {
			v := b[:8:8]
			binary.LittleEndian.PutUint64(v, binary.LittleEndian.Uint64(v)^key64)
			b = b[8:]
		}
	}
	for i := range b {
		b[i] ^= byte(key)
		key = bits.RotateLeft32(key, -8)
	}
	return key
}
