package inventory

import (
	"strings"
	"testing"
)

// The model card and the technical documentation are served as
// text/markdown ([Handler]) and read in Markdown viewers, which pass raw
// HTML through: markup in a registered description must reach the reader
// as text.
func TestMarkdownEscapesHTML(t *testing.T) {
	s := creditSystem()
	s.Name = "Credit <b>scoring</b>"
	s.Purpose = `<img src=x onerror="alert(1)"> & more`
	s.Limitations = []string{"<script>steal()</script>"}
	s.Models[0].Task = "<a href=javascript:x>task</a>"
	s.DataSources[0].Provenance = "<iframe src=//evil>"
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, md := range map[string]string{
		"model card":              NewModelCard(s).Markdown(),
		"technical documentation": NewTechnicalDocumentation(s).Markdown(),
	} {
		for _, raw := range []string{"<b>", "<img", "<script>", "<a href", "<iframe"} {
			if strings.Contains(md, raw) {
				t.Errorf("%s holds raw markup %q from the description:\n%s", name, raw, md)
			}
		}
		if !strings.Contains(md, `&lt;img src=x onerror="alert(1)"&gt; &amp; more`) {
			t.Errorf("%s does not show the purpose as text:\n%s", name, md)
		}
	}
}
