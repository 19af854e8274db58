package aims

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSoAHTMLIsAnEscapedTablePerObjective(t *testing.T) {
	s := loadExampleSoA(t)
	s.Controls = s.Controls[1:] // leave A.2.2 unaddressed: it must show as a gap
	s.Controls[0].Justification = `<script>alert("x")</script> & more`
	s.Organization = "Example <Lending> Ltd"
	var buf bytes.Buffer
	require.NoError(t, s.RenderHTML(&buf))
	page := buf.String()
	assert.True(t, strings.HasPrefix(page, "<!DOCTYPE html>"))
	assert.Equal(t, 9, strings.Count(page, "<table>"), "one table per objective")
	assert.Equal(t, 9, strings.Count(page, "<th>Control</th><th>Title</th><th>Applicable</th>"))
	assert.NotContains(t, page, "<script>", "values are escaped")
	assert.NotContains(t, page, "<Lending>")
	assert.Contains(t, page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more")
	assert.Contains(t, page, `<tr><td>A.2.2</td><td>AI policy</td><td class="gap">not addressed</td>`)
	assert.Contains(t, page, "<tr><td>A.5.5</td><td>Assessing societal impacts of AI systems</td><td>no (excluded)</td><td>—</td>")
	assert.Contains(t, page, "<tr><td>A.6.2.8</td><td>AI system recording of event logs</td><td>yes</td><td>implemented</td>")
	// Every control of the catalogue has exactly one row.
	for _, c := range Controls() {
		assert.Equal(t, 1, strings.Count(page, "<tr><td>"+c.ID+"</td>"), c.ID)
	}
	// The page is well-formed (checked as XML after dropping the doctype
	// and closing the void elements).
	x := strings.TrimPrefix(page, "<!DOCTYPE html>\n")
	x = strings.ReplaceAll(x, "<br>", "<br/>")
	x = strings.NewReplacer(`<meta charset="utf-8">`, `<meta charset="utf-8"/>`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`, `<meta name="viewport" content="width=device-width, initial-scale=1"/>`).Replace(x)
	d := xml.NewDecoder(strings.NewReader(x))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
	}
}
