package inventory

import (
	"bytes"
	"context"
	"testing"
)

// BenchmarkFromOTLP reads a collector file holding one registration and
// 1,000 heartbeats per batch line, 10 lines.
func BenchmarkFromOTLP(b *testing.B) {
	var file bytes.Buffer
	svc := newService(b, "credit-api")
	ctx := context.Background()
	for range 10 {
		r, err := Register(ctx, creditSystem(), authorised(b, creditSystem()), WithLoggerProvider(svc.lp), WithHeartbeatInterval(0))
		if err != nil {
			b.Fatal(err)
		}
		for range 1000 {
			_ = r.Heartbeat(ctx)
		}
		r.Close(context.Background())
		svc.flush(b, func(l []byte) { file.Write(l) })
	}
	data := file.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromOTLP(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClassify measures one classification of a high-risk use case.
func BenchmarkClassify(b *testing.B) {
	u := UseCase{Domain: DomainEmployment, Function: FunctionRecruitment, Profiling: true, InteractsWithPeople: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Classify(u); err != nil {
			b.Fatal(err)
		}
	}
}
