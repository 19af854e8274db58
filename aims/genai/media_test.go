package genai

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMediaManifestBindsTheFile(t *testing.T) {
	img := []byte("\x89PNG\r\n\x1a\n not really an image")
	m, err := NewMediaManifest(img, "image/png", MediaGenerator{SystemID: "poster-gen", Model: "tiny-diffusion-1", Provider: "example.local"}, "r1")
	require.NoError(t, err)
	// The SHA-256 of the bytes above, computed with sha256sum.
	assert.Equal(t, "c51640e39f59c1e498792de68abe29e7d1252b1f2a9bd2f59374016b5527d09b", m.ContentSHA256)
	assert.True(t, m.Matches(img))
	assert.False(t, m.Matches(append([]byte(nil), img[:len(img)-1]...)), "a changed file no longer matches")
	assert.Equal(t, DigitalSourceTrainedAlgorithmic, m.DigitalSourceType)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	back, err := ParseMediaManifest(b)
	require.NoError(t, err)
	assert.True(t, back.Matches(img))

	_, err = NewMediaManifest(img, "not a type", MediaGenerator{SystemID: "s", Model: "m"}, "")
	assert.ErrorContains(t, err, "media_type")
	_, err = NewMediaManifest(img, "image/png", MediaGenerator{SystemID: "s"}, "")
	assert.ErrorContains(t, err, "generator")
	_, err = ParseMediaManifest([]byte(`{"schema_version":"aims.genai.media/v1","content_sha256":"zz"}`))
	assert.ErrorContains(t, err, "content_sha256")
}
