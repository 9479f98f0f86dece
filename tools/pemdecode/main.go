// Command pemdecode reads a JSON array of base64 inputs on stdin and prints,
// for each, what encoding/pem.Decode returns: null (no block) or the block's
// type, bytes and the rest of the input (base64), plus the Go version.
package main

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"runtime"
)

type block struct {
	Type  string `json:"type"`
	Bytes string `json:"bytes"`
	Rest  string `json:"rest"`
}

type output struct {
	Go      string   `json:"go"`
	Results []*block `json:"results"`
}

func main() {
	var inputs []string
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		fmt.Fprintln(os.Stderr, "pemdecode: stdin must be a JSON array of base64 strings:", err)
		os.Exit(2)
	}
	out := output{Go: runtime.Version(), Results: make([]*block, len(inputs))}
	for i, text := range inputs {
		data, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pemdecode: input", i, "is not base64:", err)
			os.Exit(2)
		}
		p, rest := pem.Decode(data)
		if p != nil {
			out.Results[i] = &block{Type: p.Type, Bytes: base64.StdEncoding.EncodeToString(p.Bytes), Rest: base64.StdEncoding.EncodeToString(rest)}
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "pemdecode:", err)
		os.Exit(1)
	}
}
