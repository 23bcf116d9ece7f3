package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		name string
		xs   []float64
		want float64
	}{
		{"none", nil, 0},
		{"one", []float64{3}, 3},
		{"odd", []float64{5, 1, 3}, 3},
		{"even", []float64{4, 1, 3, 2}, 2.5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, median(tt.xs))
		})
	}
}

func TestSpread(t *testing.T) {
	assert.Equal(t, 0.0, spread(nil))
	assert.Equal(t, 0.0, spread([]float64{7}))
	assert.InDelta(t, 0.4, spread([]float64{8, 10, 12}), 1e-9)
}

func TestPercentile(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 200; i++ {
		sorted = append(sorted, time.Duration(i))
	}
	assert.Equal(t, time.Duration(100), percentile(sorted, 50))
	assert.Equal(t, time.Duration(198), percentile(sorted, 99))
	assert.Equal(t, time.Duration(1), percentile(sorted[:1], 99))
	assert.Equal(t, time.Duration(0), percentile(nil, 50))
}
