#!/usr/bin/env bash
# Builds the release binary exactly as the Dockerfile does (static Swift standard library), outside
# Docker, and reports its size, its stripped size and its dynamic dependencies. Fails when it needs a
# shared library that the runtime image does not provide (distroless cc-debian12 supplies the C and
# C++ runtimes and OpenSSL; the Dockerfile copies nghttp2, protobuf-c and OpenSSL in).
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-static
swift build -c release --product suggestion-server --static-swift-stdlib --scratch-path "$scratch" >/dev/null
binary="$scratch/release/suggestion-server"
stripped="$(mktemp)"
trap 'rm -f "$stripped"' EXIT
cp "$binary" "$stripped"
strip "$stripped"

size() { stat -c %s "$1"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "binary:           $binary"
echo "size:             $(size "$binary") bytes ($(mib "$(size "$binary")"))"
echo "stripped size:    $(size "$stripped") bytes ($(mib "$(size "$stripped")"))"
echo "dynamic dependencies (ldd):"
ldd "$binary" | sed 's/^/  /'

allowed='^(linux-vdso\.so\.1|/lib64/ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1|/lib/ld-linux-aarch64\.so\.1|libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libnghttp2\.so\.14|libprotobuf-c\.so\.1|libssl\.so\.3|libcrypto\.so\.3|libyaml-0\.so\.2)$'
bad=0
extra=0
for lib in $(ldd "$binary" | awk '{print $1}'); do
  if ! [[ "$lib" =~ $allowed ]]; then
    echo "NOT IN THE RUNTIME IMAGE: $lib"
    bad=1
  fi
  case "$lib" in libnghttp2*|libprotobuf-c*|libssl*|libcrypto*|libyaml*)
    extra=$((extra + $(stat -L -c %s "$(ldd "$binary" | awk -v l="$lib" '$1 == l {print $3}')")));;
  esac
done
echo "libraries the image adds to the distroless base: $extra bytes ($(mib "$extra"))"
echo "image contents beyond the base: $(mib $(( $(size "$stripped") + extra )))"
if [ "$bad" != 0 ]; then
  echo "binary-report: the binary needs libraries the runtime image lacks" >&2
  exit 1
fi
