#!/usr/bin/env bash
# Runs the codec and transport tests under AddressSanitizer (LeakSanitizer included on Linux x86_64),
# in a build directory of its own. Fails on any sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
if ! swift test --sanitize=address --scratch-path .build-asan --filter 'CodecTests|TransportTests|TransportFramingTests|TransportHardeningTests|WireHardeningTests|HTTPResponseTests' >"$log" 2>&1; then
  tail -60 "$log"; echo "sanitize: tests failed or a sanitizer reported an error"; exit 1
fi
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)' "$log"; then
  grep -A30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)' "$log" | head -60; exit 1
fi
grep -E 'Test run with' "$log"
