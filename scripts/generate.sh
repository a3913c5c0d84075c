#!/usr/bin/env bash
# Regenerates everything derived from proto/: the protoc-c C code (Sources/CKatibProto) and the Swift
# value types and codecs (Sources/SuggestionAPI/Generated), which katib-codegen derives by walking the
# protoc-c message descriptors. Needs protoc-c (Debian package protobuf-c-compiler).
# Usage: scripts/generate.sh [--check]   (--check: fail if the committed files are stale, change nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
check=0; [ "${1:-}" = "--check" ] && check=1

out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
(cd proto && protoc-c --c_out="$out" api.proto health.proto)
mkdir -p "$out/c/include" "$out/swift"
mv "$out"/*.pb-c.c "$out/c/"; mv "$out"/*.pb-c.h "$out/c/include/"

if [ $check = 1 ]; then
  for f in "$out"/c/*.c "$out"/c/include/*.h; do
    rel=${f#"$out/c/"}
    cmp -s "$f" "Sources/CKatibProto/$rel" || { echo "stale: Sources/CKatibProto/$rel (run scripts/generate.sh)"; exit 1; }
  done
else
  cp "$out"/c/*.c Sources/CKatibProto/; cp "$out"/c/include/*.h Sources/CKatibProto/include/
fi

# The Swift side is generated from the C descriptors just written, so build the generator against them.
swift build --product katib-codegen -q
gen=$(swift build --product katib-codegen --show-bin-path)/katib-codegen
"$gen" "$out/swift"
for f in "$out"/swift/*.swift "$out"/swift/*.c; do
  name=$(basename "$f")
  dest=Sources/SuggestionAPI/Generated; case "$name" in *.c) dest=Sources/CKatibProto;; esac
  if [ $check = 1 ]; then
    cmp -s "$f" "$dest/$name" || { echo "stale: $dest/$name (run scripts/generate.sh)"; exit 1; }
  else
    cp "$f" "$dest/"
  fi
done
[ $check = 1 ] && echo "generated code is fresh"
exit 0
