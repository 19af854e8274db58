package drift

import (
	"testing"
)

func BenchmarkSort1M(b *testing.B) {
	ref, _ := bigSamples()
	b.Run("sortedCopy", func(b *testing.B) {
		start := cpuTime()
		for i := 0; i < b.N; i++ {
			sortedCopy(ref)
		}
		reportCPU(b, start)
	})
	b.Run("radix", func(b *testing.B) {
		out := make([]float64, len(ref))
		start := cpuTime()
		for i := 0; i < b.N; i++ {
			radixSortInto(out, ref)
		}
		reportCPU(b, start)
	})
}
