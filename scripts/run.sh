#!/usr/bin/env bash
# Sets up, builds (release) and runs the suggestion server on 0.0.0.0:6789 serving every algorithm.
# Extra arguments go to the server (see `suggestion-server --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product suggestion-server
exec "$(swift build -c release --show-bin-path)/suggestion-server" "$@"
