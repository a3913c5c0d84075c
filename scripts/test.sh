#!/usr/bin/env bash
# Sets up and runs every test that exists so far: the Swift unit tests (status type, gRPC framing,
# and the HTTP/2 gRPC server and client on nghttp2 over loopback sockets).
# The grpcio interop suite (tests/interop) is added to this command when the server binary serves
# the Suggestion service.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== swift build and unit tests"
swift build
swift test
