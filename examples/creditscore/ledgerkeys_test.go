package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
)

// unsetKeyEnv removes AIMS_LEDGER_SIGNING_KEY for the test.
func unsetKeyEnv(t *testing.T) {
	t.Setenv(ledger.DefaultKeyEnv, "") // restored after the test
	require.NoError(t, os.Unsetenv(ledger.DefaultKeyEnv))
}

func TestLedgerKeyDefaultsToAFileBesideTheDataFolder(t *testing.T) {
	unsetKeyEnv(t)
	root := t.TempDir()
	dataDir := filepath.Join(root, "creditscore-data")
	ledgerDir := filepath.Join(dataDir, "ledger")
	k, err := loadLedgerKey("", dataDir, ledgerDir)
	require.NoError(t, err)
	want := filepath.Join(root, "creditscore-keys", "ledger.key")
	assert.Equal(t, want, k.source)
	st, err := os.Stat(want)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	}
	_, err = ledger.NewVerifier(k.vkey)
	require.NoError(t, err)

	again, err := loadLedgerKey("", dataDir, ledgerDir)
	require.NoError(t, err)
	assert.Equal(t, k.vkey, again.vkey, "the second start signs with the same key")
	_, err = os.Stat(dataDir)
	assert.True(t, os.IsNotExist(err), "nothing is written into the data folder")
}

func TestLedgerKeyInsideTheLedgerIsRefused(t *testing.T) {
	unsetKeyEnv(t)
	dataDir := t.TempDir()
	ledgerDir := filepath.Join(dataDir, "ledger")
	_, err := loadLedgerKey(filepath.Join(ledgerDir, "ledger.key"), dataDir, ledgerDir)
	require.ErrorContains(t, err, "inside the ledger folder")
	_, err = os.Stat(filepath.Join(ledgerDir, "ledger.key"))
	assert.True(t, os.IsNotExist(err))
}

func TestLedgerKeyFromTheEnvironment(t *testing.T) {
	skey, vkey, err := ledger.GenerateKey("from-env")
	require.NoError(t, err)
	t.Setenv(ledger.DefaultKeyEnv, skey)
	dataDir := t.TempDir()
	k, err := loadLedgerKey("", dataDir, filepath.Join(dataDir, "ledger"))
	require.NoError(t, err)
	assert.Equal(t, vkey, k.vkey)
	assert.Equal(t, "environment variable "+ledger.DefaultKeyEnv, k.source)

	// -key wins over the environment.
	file := filepath.Join(t.TempDir(), "k")
	k, err = loadLedgerKey(file, dataDir, filepath.Join(dataDir, "ledger"))
	require.NoError(t, err)
	assert.NotEqual(t, vkey, k.vkey)
	assert.Equal(t, file, k.source)
}

// A data folder of an earlier version of the example kept ledger.key and
// ledger.pub; the key moves out, so the ledger keeps verifying with it.
func TestLedgerKeyMovesOutOfAnOldDataFolder(t *testing.T) {
	unsetKeyEnv(t)
	root := t.TempDir()
	dataDir := filepath.Join(root, "data")
	require.NoError(t, os.MkdirAll(dataDir, 0o755))
	skey, vkey, err := ledger.GenerateKey(keyName)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dataDir, "ledger.key"), []byte(skey+"\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dataDir, "ledger.pub"), []byte(vkey+"\n"), 0o644))

	k, err := loadLedgerKey("", dataDir, filepath.Join(dataDir, "ledger"))
	require.NoError(t, err)
	assert.Equal(t, vkey, k.vkey)
	assert.Equal(t, filepath.Join(root, "creditscore-keys", "ledger.key"), k.source)
	for _, f := range []string{"ledger.key", "ledger.pub"} {
		_, err := os.Stat(filepath.Join(dataDir, f))
		assert.True(t, os.IsNotExist(err), "%s is still in the data folder", f)
	}
}

func TestSoAPublishesTheLedgerKey(t *testing.T) {
	soa, err := aims.ParseSoA(soaFile)
	require.NoError(t, err)
	_, vkey, err := ledger.GenerateKey(keyName)
	require.NoError(t, err)
	require.NoError(t, publishKeyInSoA(soa, vkey))
	require.NoError(t, soa.Validate())
	assert.Equal(t, []string{vkey}, soa.LedgerKeys())
	e, _ := soa.Entry("A.6.2.8")
	assert.Contains(t, e.Evidence, "ledger checkpoints verifiable with key "+vkey)

	// An SoA that names another key stops the service.
	_, other, err := ledger.GenerateKey(keyName)
	require.NoError(t, err)
	require.ErrorContains(t, publishKeyInSoA(soa, other), "but the ledger signs with")
}
