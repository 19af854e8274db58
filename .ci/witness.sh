#!/usr/bin/env bash
# Installs litewitness and witnessctl (filippo.io/torchwood), a real C2SP
# tlog-witness the ledger's witness tests run on loopback, and prints the
# directory that holds them on stdout:
#
#   export AIMSKIT_LITEWITNESS="$(bash .ci/witness.sh)"
#
# The binaries are cached under $AIMSKIT_CACHE (default ~/.cache/aimskit)
# by torchwood version; torchwood is never added to aimskit's go.mod (go
# install with a version builds it in a module of its own). litewitness
# takes its key from an ssh-agent, so openssh-client is installed when
# ssh-agent is missing. Progress goes to stderr.
set -euo pipefail
TORCHWOOD_VERSION=v0.6.1
CACHE="${AIMSKIT_CACHE:-$HOME/.cache/aimskit}"
DIR="$CACHE/litewitness-$TORCHWOOD_VERSION"
log() { echo "witness.sh: $*" >&2; }

if [ -x "$DIR/litewitness" ] && [ -x "$DIR/witnessctl" ]; then
	log "using cached $DIR"
else
	mkdir -p "$DIR"
	log "installing litewitness and witnessctl $TORCHWOOD_VERSION into $DIR"
	GOBIN="$DIR" go install \
		"filippo.io/torchwood/cmd/litewitness@$TORCHWOOD_VERSION" \
		"filippo.io/torchwood/cmd/witnessctl@$TORCHWOOD_VERSION" >&2
fi

for tool in ssh-agent ssh-add ssh-keygen; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		log "installing openssh-client (for $tool)"
		if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
		$SUDO apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openssh-client >&2
		break
	fi
done

echo "$DIR"
