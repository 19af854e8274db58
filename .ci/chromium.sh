#!/usr/bin/env bash
# Installs Debian's chromium if it is missing and prints the path of the
# binary, for the oversight console's browser test:
#
#   export AIMSKIT_CHROMIUM="$(bash .ci/chromium.sh)"
#
# All progress goes to stderr so that stdout is only the path.
set -euo pipefail

find_chromium() {
	local c
	for c in chromium chromium-browser google-chrome-stable google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then
			command -v "$c"
			return 0
		fi
	done
	return 1
}

if ! bin="$(find_chromium)"; then
	if [ "$(id -u)" != 0 ]; then
		echo "chromium.sh: chromium is not installed and we are not root; install Debian's chromium package" >&2
		exit 1
	fi
	echo "chromium.sh: installing Debian's chromium" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2 || true
	apt-get install -y -q --no-install-recommends chromium >&2
	bin="$(find_chromium)"
fi
"$bin" --version >&2 || true
echo "$bin"
