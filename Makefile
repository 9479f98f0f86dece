# The project's own Node (npm package `node`, pinned in package.json) and the
# pinned opa (tools/opa/go.mod, installed into .tools/bin) come first on PATH.
SHELL := bash
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.tools/bin:$(PATH)
POLICY := node src/cli/main.ts

.PHONY: setup chromium test demo bench soak fuzz build typecheck lint-rego lint-imports conformance conformance-update clean

setup: node_modules/.package-lock.json .tools/bin/opa build/graphql.wasm.gz chromium

# The approvals inbox's browser tests drive Debian's chromium (installed when missing).
chromium:
	@scripts/install-chromium.sh

# A linked node_modules (a git worktree sharing another checkout's) is left
# alone: npm ci would empty the directory it points to.
node_modules/.package-lock.json: package.json package-lock.json
	@if [ -L node_modules ]; then echo "node_modules is a link: not reinstalling"; else npm ci --no-audit --no-fund; fi
	@touch $@

# OPA's graphql.* builtins (tools/graphql) compiled to a WASI module.
build/graphql.wasm.gz: tools/graphql/go.mod tools/graphql/go.sum tools/graphql/main.go scripts/build-graphql-wasm.sh
	scripts/build-graphql-wasm.sh

.tools/bin/opa: tools/opa/go.mod tools/opa/go.sum scripts/install-opa.sh
	scripts/install-opa.sh
	@touch $@

build: setup
	npm run build

typecheck: setup
	npm run typecheck

lint-rego: setup
	opa fmt --list --fail framework rego templates
	opa check --strict --ignore tools.json --ignore toolgate.yaml framework rego

# The import graph of src/: no cycles, audit a leaf, data flowing one way (.dependency-cruiser.cjs).
lint-imports: setup
	depcruise src --config .dependency-cruiser.cjs

test: setup typecheck lint-rego lint-imports
	npm test
	$(POLICY) test framework rego test/cases
	node test/conformance/run.ts
	@node scripts/test-summary.ts build/tmp/vitest-results.json

demo: setup
	$(POLICY) build
	@echo; echo "== the 24 seed tool calls, each through the full gate (policy eval) =="
	$(POLICY) eval --call test/cases/seed.yaml
	@echo; echo "== a support-desk conversation on every OpenAI surface (local scripted server, real openai SDK) =="
	node scripts/demo.ts

# OPA's conformance suite (the pinned opa module's v1/test/cases, loaded by
# tools/conformance with OPA's loader) through opa build -t wasm and PolicyEngine;
# fails when a case's category differs from test/conformance/expectations.json.
conformance: setup
	node test/conformance/run.ts

# After a fix: record the new categories in test/conformance/expectations.json.
conformance-update: setup
	node test/conformance/run.ts --update

bench: setup
	npm run bench

# Not part of make test: 1,000,000 decisions with audit logging and hot reloads.
soak: setup
	SOAK=1 npx vitest run

# Not part of make test: every property test (*.property.test.ts) at 25x its
# make-test size, over 1,000,000 generated inputs in total.
fuzz: setup
	FUZZ_SCALE=$${FUZZ_SCALE:-25} npx vitest run property

clean:
	rm -rf dist build/*.tar.gz build/tmp
