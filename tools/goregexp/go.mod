// Go's regexp as a command, the oracle for toolgate's RE2JS engine
// (src/policy/builtins/go-regexp.ts; test/policy/go-regexp-parity.property.test.ts).
// The standard library only: the Go that builds it is the regexp compared
// against, so the test checks it is the Go the pinned opa was built with.
module toolgate.local/tools/goregexp

go 1.26.0
