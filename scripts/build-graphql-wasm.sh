#!/bin/sh
# Builds build/graphql.wasm.gz: OPA's graphql.* builtins over the gqlparser
# version the pinned opa uses (tools/graphql), as a WASI reactor module for
# src/policy/builtins/graphql.ts. Run by `make setup` and before packing; the
# Go modules come from the Go module proxy (or the cache) pinned by
# tools/graphql/go.sum. Does nothing when the module is newer than its sources.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
target="$root/build/graphql.wasm.gz"
if [ -f "$target" ] && [ -z "$(find "$root/tools/graphql" "$0" -newer "$target" -type f | head -1)" ]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-graphql-wasm: Go is needed to build OPA's graphql builtins (tools/graphql); install Go and rerun." >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "build-graphql-wasm: building OPA's graphql builtins as WASI (first time only, under a minute)..."
cd "$root/tools/graphql"
GOFLAGS=-mod=mod GOOS=wasip1 GOARCH=wasm \
  go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o "$out/graphql.wasm" .
mkdir -p "$root/build"
gzip -9 -n -c "$out/graphql.wasm" > "$target.tmp"
mv "$target.tmp" "$target"
echo "wrote build/graphql.wasm.gz ($(wc -c < "$target") bytes)"
