package inventory_test

import (
	"fmt"

	"github.com/aimskit/aimskit/inventory"
)

func ExampleClassify() {
	c, err := inventory.Classify(inventory.UseCase{
		Domain:              inventory.DomainEmployment,
		Function:            inventory.FunctionRecruitment,
		AffectedPersons:     "job applicants",
		Profiling:           true,
		InteractsWithPeople: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Level)
	fmt.Printf("%q\n", c.References)
	fmt.Println(c.Rationale)

	// A narrow procedural task (Art. 6(3)(a)) without profiling is not high-risk.
	c, _ = inventory.Classify(inventory.UseCase{
		Domain:     inventory.DomainEmployment,
		Function:   inventory.FunctionRecruitment,
		Derogation: inventory.DerogationNarrowProcedural,
	})
	fmt.Printf("%s %q\n", c.Level, c.References)
	// Output:
	// high
	// ["Art. 6(2)" "Annex III point 4(a)" "Art. 6(3), third subparagraph" "Art. 50(1)"]
	// The use case is listed in Annex III point 4(a) (recruitment or selection of natural persons), so the system is high-risk under Art. 6(2). It profiles natural persons, so no Art. 6(3) derogation can apply. Persons interact directly with the system, so they must be informed that they are interacting with an AI system (Art. 50(1)). Affected persons: job applicants.
	// minimal ["Annex III point 4(a)" "Art. 6(3)(a)" "Art. 6(4)" "Art. 49(2)"]
}
