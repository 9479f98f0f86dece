// Command goregexp reads a JSON array of {pattern, text, template} on stdin and
// prints, for each, what OPA's regex.replace and regex.split compute with Go's
// regexp (ReplaceAllString, Split(s, -1)), or the compile error, plus the Go
// version: the oracle for toolgate's RE2JS engine
// (src/policy/builtins/go-regexp.ts; test/policy/go-regexp-parity.property.test.ts).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
)

type input struct {
	Pattern  string `json:"pattern"`
	Text     string `json:"text"`
	Template string `json:"template"`
}

type result struct {
	Error   string   `json:"error,omitempty"`
	Replace string   `json:"replace"`
	Split   []string `json:"split"`
}

type output struct {
	Go      string   `json:"go"`
	Results []result `json:"results"`
}

func main() {
	var inputs []input
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		fmt.Fprintln(os.Stderr, "goregexp: stdin must be a JSON array of {pattern, text, template}:", err)
		os.Exit(2)
	}
	out := output{Go: runtime.Version(), Results: make([]result, len(inputs))}
	for i, in := range inputs {
		re, err := regexp.Compile(in.Pattern)
		if err != nil {
			out.Results[i] = result{Error: err.Error()}
			continue
		}
		split := re.Split(in.Text, -1)
		if split == nil {
			split = []string{}
		}
		out.Results[i] = result{Replace: re.ReplaceAllString(in.Text, in.Template), Split: split}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "goregexp:", err)
		os.Exit(1)
	}
}
