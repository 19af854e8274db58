#!/usr/bin/env bash
# Builds the OpenTelemetry Collector used by the end-to-end test with the
# official builder, and prints the path of the binary on stdout:
#
#   export AIMSKIT_OTELCOL="$(bash .ci/collector.sh build)"
#
# The binary is cached under $AIMSKIT_CACHE (default ~/.cache/aimskit) keyed
# by the builder configuration, so a machine that keeps its home folder
# rebuilds only when the configuration changes. Progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BUILDER_VERSION=v0.165.0
CACHE="${AIMSKIT_CACHE:-$HOME/.cache/aimskit}"
log() { echo "collector.sh: $*" >&2; }

build() {
	local key out bin
	key="$(cat internal/otelcol/builder-config.yaml internal/otelcol/stub/otlpencodingextension/* | sha256sum | cut -c1-16)"
	out="$CACHE/otelcol-$key"
	bin="$out/aimskit-otelcol"
	if [ -x "$bin" ]; then
		log "using cached $bin"
		echo "$bin"
		return 0
	fi
	mkdir -p "$out"
	local gobin
	gobin="$(go env GOPATH)/bin"
	if ! "$gobin/builder" version 2>/dev/null | grep -q "${BUILDER_VERSION#v}"; then
		log "installing the collector builder $BUILDER_VERSION"
		go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION" >&2
	fi
	sed -e "s#OUTPUT_PATH#$out#" -e "s#STUB_PATH#$ROOT/internal/otelcol/stub/otlpencodingextension#" \
		internal/otelcol/builder-config.yaml >"$out/builder-config.yaml"
	log "building the collector into $out (several minutes on a cold module cache)"
	# The builder runs `go mod tidy` and `go build` in a module of its own,
	# so aimskit's go.mod never sees the collector's dependencies.
	GOFLAGS=-buildvcs=false "$gobin/builder" --config "$out/builder-config.yaml" >&2
	"$bin" validate --config "$ROOT/internal/otelcol/config.yaml" >&2 2>&1 || true
	echo "$bin"
}

case "${1:-build}" in
build) build ;;
*)
	log "usage: $0 build"
	exit 2
	;;
esac
