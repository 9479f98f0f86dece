#!/bin/sh
# Builds build/graphql.wasm.gz: OPA's graphql.* builtins over the gqlparser
# version the pinned opa uses (tools/graphql), as a WASI reactor module for
# src/policy/builtins/graphql.ts. Offline: the modules come from the Go module
# cache that scripts/install-opa.sh fills. Rebuild after changing tools/graphql
# or the opa pin, and commit the result.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$root/tools/graphql"
GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOOS=wasip1 GOARCH=wasm \
  go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o "$out/graphql.wasm" .
gzip -9 -n -c "$out/graphql.wasm" > "$root/build/graphql.wasm.gz"
echo "wrote build/graphql.wasm.gz ($(wc -c < "$root/build/graphql.wasm.gz") bytes)"
