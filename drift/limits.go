package drift

// Bounds of the size parameters. A parameter beyond its bound is an error
// (never a panic or an allocation sized by the parameter), so a
// configuration mistake such as QuantileHistogram(x, y, 1e9) fails fast.
const (
	// MaxBins is the largest number of histogram bins a caller may ask
	// for ([QuantileHistogram], [WithQuantileBins]).
	MaxBins = 1 << 16
	// MaxMonitorWindow is the largest count window of a [Monitor]
	// ([WithCountWindow]); the window is kept per feature.
	MaxMonitorWindow = 1 << 22
	// MaxDetectorWindow is the largest window a streaming detector keeps
	// ([KSWINConfig].WindowSize and StatSize).
	MaxDetectorWindow = 1 << 20
	// MaxDetectorCount bounds the integer counts of the detectors' configs
	// that allocate nothing but would otherwise accept any int (ADWIN's
	// Clock, MinWindowLength and GracePeriod, Page–Hinkley's MinInstances,
	// DDM's and EDDM's WarmStart).
	MaxDetectorCount = 1 << 30
	// MinSketchAccuracy is the finest relative accuracy of
	// [NewSketchProfile]: a finer one multiplies the sketch's bins (about
	// 690,000 at this bound for values spanning the whole float64 range).
	MinSketchAccuracy = 1e-3
)
