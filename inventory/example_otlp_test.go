package inventory_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/aimskit/aimskit/inventory"
)

// Two lines of an OpenTelemetry Collector file exporter (format: json): a
// registration whose body is the system description, and a heartbeat whose
// identity comes from the resource.
const collectorOutput = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},"scopeLogs":[{"scope":{"name":"github.com/aimskit/aimskit/inventory"},"logRecords":[{"timeUnixNano":"1795424400000000000","eventName":"aims.inventory.registration","body":{"kvlistValue":{"values":[{"key":"id","value":{"stringValue":"support-chat"}},{"key":"name","value":{"stringValue":"Support assistant"}},{"key":"version","value":{"stringValue":"1.4.0"}},{"key":"purpose","value":{"stringValue":"Answer order questions."}},{"key":"intendedUse","value":{"stringValue":"Web shop customers."}},{"key":"owner","value":{"stringValue":"cs-platform"}},{"key":"valueChainRoles","value":{"arrayValue":{"values":[{"stringValue":"deployer"}]}}},{"key":"riskLevel","value":{"stringValue":"limited"}},{"key":"lifecycleStage","value":{"stringValue":"deployed"}}]}},"attributes":[{"key":"aims.system.id","value":{"stringValue":"support-chat"}},{"key":"aims.system.instance","value":{"stringValue":"pod-1"}},{"key":"aims.inventory.schema_version","value":{"stringValue":"1"}}]}]}]}]}
{"resourceLogs":[{"resource":{"attributes":[{"key":"aims.system.id","value":{"stringValue":"support-chat"}},{"key":"aims.system.version","value":{"stringValue":"1.4.0"}},{"key":"aims.system.instance","value":{"stringValue":"pod-1"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1795424460000000000","eventName":"aims.inventory.heartbeat"}]}]}]}
`

func ExampleFromOTLP() {
	inv, err := inventory.FromOTLP(strings.NewReader(collectorOutput))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range inv.Entries() {
		fmt.Println(e.System.ID, e.System.Version, e.System.RiskLevel, "retired:", e.Retired)
		for _, in := range e.Instances {
			fmt.Println("  instance", in.ID, "last heartbeat", in.LastHeartbeat.Format("2006-01-02T15:04:05Z"))
		}
	}

	// Serve the organisation-wide inventory like a process registry.
	rec := httptest.NewRecorder()
	inventory.Handler(inv).ServeHTTP(rec, httptest.NewRequest("GET", "/systems/support-chat/modelcard", nil))
	fmt.Println(strings.SplitN(rec.Body.String(), "\n", 2)[0])
	// Output:
	// support-chat 1.4.0 limited retired: false
	//   instance pod-1 last heartbeat 2026-11-23T09:01:00Z
	// # Model card: Support assistant 1.4.0
}
