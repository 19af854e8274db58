// Command semconvtable prints the README's table of telemetry names, or
// with -w FILE rewrites the generated section of FILE in place.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/aimskit/aimskit/aims/semconv"
)

func main() {
	write := flag.String("w", "", "rewrite the generated section of this Markdown file")
	flag.Parse()
	if *write == "" {
		fmt.Print(semconv.MarkdownTable())
		return
	}
	doc, err := os.ReadFile(*write)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := semconv.ReplaceTable(string(doc))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*write, []byte(out), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
