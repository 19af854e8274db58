package inventory_test

import (
	"fmt"
	"strings"

	"github.com/aimskit/aimskit/inventory"
)

// A support assistant built on a hosted large language model that its
// provider trained with 3×10^25 FLOP: a general-purpose AI model presumed
// to have systemic risk. The obligations are its provider's; the
// assistant keeps its own (limited) risk tier.
func ExampleClassifyGeneralPurposeModel() {
	llm := inventory.Model{
		Name: "hosted-llm", Version: "2025-06", Type: "large language model",
		Provider: "Example AI Ltd",
		GeneralPurpose: &inventory.GeneralPurposeAI{
			TrainingComputeFLOP: 3e25,
			SystemicRisk:        true,
			SystemicRiskBasis:   inventory.SystemicRiskTrainingCompute,
		},
	}
	c, err := inventory.ClassifyGeneralPurposeModel(llm)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("general-purpose:", c.GeneralPurpose, "systemic risk:", c.SystemicRisk, "provider:", c.Provider)
	for _, o := range c.Obligations {
		fmt.Println(o[:strings.Index(o, ":")])
	}

	// Exactly 10^25 FLOP is not "greater than 10^25" (Art. 51(2)).
	llm.GeneralPurpose = &inventory.GeneralPurposeAI{TrainingComputeFLOP: 1e25}
	c, _ = inventory.ClassifyGeneralPurposeModel(llm)
	fmt.Println("at 10^25: systemic risk:", c.SystemicRisk, "obligations:", len(c.Obligations))

	// The system built on it keeps the tier of its own use case.
	u, _ := inventory.Classify(inventory.UseCase{Domain: inventory.DomainOther, InteractsWithPeople: true, GeneratesContent: true})
	fmt.Println("assistant:", u.Level)
	// Output:
	// general-purpose: true systemic risk: true provider: Example AI Ltd
	// Art. 53(1)(a)
	// Art. 53(1)(b)
	// Art. 53(1)(c)
	// Art. 53(1)(d)
	// Art. 52(1)
	// Art. 55(1)(a)
	// Art. 55(1)(b)
	// Art. 55(1)(c)
	// Art. 55(1)(d)
	// at 10^25: systemic risk: false obligations: 4
	// assistant: limited
}
