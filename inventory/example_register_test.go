package inventory_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/aimskit/aimskit/inventory"
)

// printExporter prints the event name and identity of each record.
type printExporter struct{}

func (printExporter) Export(_ context.Context, recs []sdklog.Record) error {
	for _, r := range recs {
		var id, level string
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			switch kv.Key {
			case "aims.system.id":
				id = kv.Value.AsString()
			case "aims.risk.level":
				level = kv.Value.AsString()
			}
			return true
		})
		fmt.Printf("%s %s risk=%s\n", r.EventName(), id, level)
	}
	return nil
}
func (printExporter) Shutdown(context.Context) error   { return nil }
func (printExporter) ForceFlush(context.Context) error { return nil }

func ExampleRegister() {
	ctx := context.Background()
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(printExporter{})))
	defer lp.Shutdown(ctx)

	registry := inventory.NewRegistry() // serve it with inventory.Handler(registry)
	reg, err := inventory.Register(ctx, inventory.System{
		ID:              "support-chat",
		Name:            "Customer support assistant",
		Version:         "1.4.0",
		Purpose:         "Answer customer questions about orders.",
		IntendedUse:     "Customers chat with it on the web shop; agents take over on request.",
		Owner:           "customer-service platform team",
		ValueChainRoles: []inventory.ValueChainRole{inventory.RoleDeployer},
		Models:          []inventory.Model{{Name: "hosted-llm", Version: "2025-01", Type: "large language model", Provider: "Example AI Ltd"}},
		UseCase:         &inventory.UseCase{Function: inventory.FunctionOther, InteractsWithPeople: true, GeneratesContent: true},
		Lifecycle:       inventory.StageDeployed,
	},
		inventory.WithRegistry(registry),
		inventory.WithLoggerProvider(lp),
		inventory.WithInstance("pod-1"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reg.Close(context.Background()) // stops the heartbeat

	fmt.Println("risk level derived from the use case:", reg.RiskLevel())
	for _, kv := range reg.ResourceAttributes() {
		fmt.Println(kv.Key, "=", kv.Value.String())
	}
	_ = reg.Retire(ctx, "replaced by support-chat v2")
	fmt.Println("retired:", registry.Entries()[0].Retired)
	// Output:
	// aims.inventory.registration support-chat risk=limited
	// risk level derived from the use case: limited
	// aims.system.id = support-chat
	// aims.system.version = 1.4.0
	// aims.system.instance = pod-1
	// aims.risk.level = limited
	// aims.inventory.retirement support-chat risk=limited
	// retired: true
}
