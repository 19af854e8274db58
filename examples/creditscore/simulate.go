package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// simulateTraffic posts n synthetic applications to the service at base.
// The second half arrives after an income shift (a drift episode).
func simulateTraffic(ctx context.Context, base string, n int, seed uint64) error {
	pop := newPopulation(seed)
	client := &http.Client{Timeout: 10 * time.Second}
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		if i == n/2 {
			pop.shift = -0.35
		}
		body, _ := json.Marshal(pop.applicant(i))
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/applications", bytes.NewReader(body))
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		var out struct {
			Decision string `json:"decision"`
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("application %d: %s: %s", i, resp.Status, raw)
		}
		if resp.Header.Get("AI-Disclosure") == "" {
			return fmt.Errorf("application %d: response has no AI-Disclosure header", i)
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return err
		}
		counts[out.Decision]++
	}
	fmt.Printf("simulated %d applications: %v\n", n, counts)
	return nil
}
