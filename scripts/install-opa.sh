#!/usr/bin/env bash
# Makes the pinned opa CLI available at .tools/bin/opa.
# Order: .tools/bin/opa if already the pinned version; opa on PATH if it is the
# pinned version (linked in); otherwise built from the Go module proxy with the
# tools module in tools/opa (go.mod pins the version, go.sum the hashes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want=$(awk '$1 == "github.com/open-policy-agent/opa" { sub(/^v/, "", $2); print $2 }' "$root/tools/opa/go.mod")
bin="$root/.tools/bin"
mkdir -p "$bin"

version_of() { "$1" version 2>/dev/null | awk '/^Version:/ { print $2 }'; }

if [ -x "$bin/opa" ] && [ "$(version_of "$bin/opa")" = "$want" ]; then
  exit 0
fi
if command -v opa >/dev/null 2>&1 && [ "$(version_of "$(command -v opa)")" = "$want" ]; then
  ln -sf "$(command -v opa)" "$bin/opa"
  echo "install-opa: using $(command -v opa) (opa $want)"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-opa: opa $want is needed and neither it nor Go is installed." >&2
  echo "  Install Go (https://go.dev/dl/) and rerun, or put opa $want on PATH" >&2
  echo "  (https://www.openpolicyagent.org/docs/latest/#running-opa)." >&2
  exit 1
fi
echo "install-opa: building opa $want with $(go version | awk '{print $3}') (first time only, a few minutes)..."
cd "$root/tools/opa"
CGO_ENABLED=0 GOBIN="$bin" go install github.com/open-policy-agent/opa
got=$(version_of "$bin/opa")
if [ "$got" != "$want" ]; then
  echo "install-opa: built opa reports version '$got', expected $want" >&2
  exit 1
fi
echo "install-opa: opa $want installed at $bin/opa"
