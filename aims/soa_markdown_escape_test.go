package aims

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Markdown rendering is read in Markdown viewers, which pass raw HTML
// through: markup in an entry must reach the reader as text, as it does in
// the HTML rendering.
func TestSoAMarkdownEscapesHTML(t *testing.T) {
	s := loadExampleSoA(t)
	s.Organization = "Example <b>Lending</b> Ltd"
	s.Controls[0].Justification = `<img src=x onerror="alert(1)"> & more`
	s.Controls[0].Owner = "<script>steal()</script>"
	s.Controls[0].Evidence = []string{"<a href=javascript:x>policy</a>"}
	var buf bytes.Buffer
	require.NoError(t, s.RenderMarkdown(&buf))
	md := buf.String()
	for _, raw := range []string{"<img", "<b>", "<script>", "<a href"} {
		assert.NotContains(t, md, raw, "raw markup from the SoA in the Markdown")
	}
	assert.Contains(t, md, "Example &lt;b&gt;Lending&lt;/b&gt; Ltd")
	assert.Contains(t, md, `&lt;img src=x onerror="alert(1)"&gt; &amp; more`)
}
