// Go's encoding/pem.Decode as a command, the oracle for toolgate's port
// (src/policy/builtins/jwt-keys.ts pemDecode; test/policy/pem-decode-go-parity.property.test.ts).
// The standard library only: the Go that builds it is the pem.Decode compared
// against, so the test checks it is the Go the pinned opa was built with.
module toolgate.local/tools/pemdecode

go 1.26.0
