// Command conformance-cases loads OPA's conformance cases with OPA's own loader
// (github.com/open-policy-agent/opa/v1/test/cases) and prints them as one JSON
// array for toolgate's conformance runner (test/conformance/run.ts).
//
// Each case also carries what the runner cannot work out without OPA's parser:
// the query wrapped as the rule toolgate/decision (a set of binding objects, one
// per solution, the way OPA's WASM planner builds a query's result set) and the
// builtins the case calls.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/test/cases"
)

type dumpedCase struct {
	ID            string            `json:"id"`
	File          string            `json:"file"`
	Note          string            `json:"note"`
	Query         string            `json:"query"`
	Modules       []string          `json:"modules"`
	Wrapper       string            `json:"wrapper,omitempty"`
	WrapError     string            `json:"wrap_error,omitempty"`
	Data          *map[string]any   `json:"data,omitempty"`
	Input         *json.RawMessage  `json:"input,omitempty"`
	WantDefined   *bool             `json:"want_defined,omitempty"`
	WantResult    *[]map[string]any `json:"want_result,omitempty"`
	WantErrorCode *string           `json:"want_error_code,omitempty"`
	WantError     *string           `json:"want_error,omitempty"`
	SortBindings  bool              `json:"sort_bindings,omitempty"`
	StrictError   bool              `json:"strict_error,omitempty"`
	Experimental  bool              `json:"experimental_keywords,omitempty"`
	Env           map[string]string `json:"env,omitempty"`
	Builtins      []string          `json:"builtins"`
	// InputHasSet: input_term holds a set, which JSON input cannot carry.
	InputHasSet bool `json:"input_has_set,omitempty"`
}

// Unification and assignment are the language, not builtins worth a row.
var notBuiltins = map[string]bool{"eq": true, "assign": true}

func main() {
	dir := flag.String("dir", "", "the conformance case folder (opa's v1/test/cases/testdata/v1)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: conformance-cases -dir <opa module>/v1/test/cases/testdata/v1")
		os.Exit(2)
	}
	set, err := cases.Load(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loading cases:", err)
		os.Exit(1)
	}
	seen := map[string]int{}
	out := make([]dumpedCase, 0, len(set.Cases))
	for _, tc := range set.Sorted().Cases {
		rel, err := filepath.Rel(*dir, tc.Filename)
		if err != nil {
			rel = tc.Filename
		}
		id := tc.Note
		// A few notes repeat; numbered the way OPA's node runner (test/wasm/assets/test.js) does.
		seen[id]++
		if seen[id] > 1 {
			id = fmt.Sprintf("%s (%d)", id, seen[id]-1)
		}
		c := dumpedCase{
			ID: id, File: filepath.ToSlash(rel), Note: tc.Note, Query: tc.Query, Modules: tc.Modules,
			Data: tc.Data, WantDefined: tc.WantDefined, WantResult: tc.WantResult,
			WantErrorCode: tc.WantErrorCode, WantError: tc.WantError, SortBindings: tc.SortBindings,
			StrictError: tc.StrictError, Experimental: tc.ExperimentalKeywords, Env: tc.Env,
		}
		if c.Modules == nil {
			c.Modules = []string{}
		}
		if err := setInput(&c, tc); err != nil {
			fmt.Fprintf(os.Stderr, "%s: input: %v\n", id, err)
			os.Exit(1)
		}
		wrapper, err := wrapQuery(tc.Query)
		if err != nil {
			c.WrapError = err.Error()
		} else {
			c.Wrapper = wrapper
		}
		c.Builtins = calledBuiltins(tc)
		out = append(out, c)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// setInput gives the input as JSON: input_term (Rego term text) is parsed and
// converted the way OPA's runner passes it to the WASM module (sets as arrays).
func setInput(c *dumpedCase, tc cases.TestCase) error {
	var value any
	switch {
	case tc.InputTerm != nil:
		term, err := ast.ParseTerm(*tc.InputTerm)
		if err != nil {
			return err
		}
		ast.WalkTerms(term, func(t *ast.Term) bool {
			if _, ok := t.Value.(ast.Set); ok {
				c.InputHasSet = true
			}
			return c.InputHasSet
		})
		value, err = ast.JSON(term.Value)
		if err != nil {
			return err
		}
	case tc.Input != nil:
		value = *tc.Input
	default:
		return nil
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return err
	}
	msg := json.RawMessage(raw)
	c.Input = &msg
	return nil
}

// wrapQuery makes the query the body of toolgate/decision, a partial set of
// binding objects. The bound variables are the ones OPA's planner puts in a
// query's result (internal/planner planQueries): the query's variables outside
// closures and call heads, not reserved, generated or wildcards.
func wrapQuery(query string) (string, error) {
	body, err := ast.ParseBodyWithOpts(query, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return "", err
	}
	vars := body.Vars(ast.VarVisitorParams{SkipRefCallHead: true, SkipClosures: true}).Diff(ast.ReservedVars)
	names := make([]string, 0, len(vars))
	for v := range vars {
		if !v.IsGenerated() && !v.IsWildcard() {
			names = append(names, string(v))
		}
	}
	sort.Strings(names)
	fields := make([]string, len(names))
	for i, n := range names {
		fields[i] = fmt.Sprintf("%q: %s", n, n)
	}
	return fmt.Sprintf("package toolgate\n\ndecision contains {%s} if {\n%s\n}\n", strings.Join(fields, ", "), query), nil
}

// calledBuiltins lists the builtins the query and modules call, by name.
func calledBuiltins(tc cases.TestCase) []string {
	found := map[string]bool{}
	note := func(ref ast.Ref) {
		name := ref.String()
		if _, ok := ast.BuiltinMap[name]; ok && !notBuiltins[name] {
			found[name] = true
		}
	}
	visit := func(x any) {
		ast.WalkExprs(x, func(e *ast.Expr) bool {
			if e.IsCall() {
				note(e.Operator())
			}
			return false
		})
		ast.WalkTerms(x, func(t *ast.Term) bool {
			if call, ok := t.Value.(ast.Call); ok && len(call) > 0 {
				if ref, ok := call[0].Value.(ast.Ref); ok {
					note(ref)
				}
			}
			return false
		})
	}
	if body, err := ast.ParseBodyWithOpts(tc.Query, ast.ParserOptions{RegoVersion: ast.RegoV1}); err == nil {
		visit(body)
	}
	for i, m := range tc.Modules {
		if mod, err := ast.ParseModuleWithOpts(fmt.Sprintf("module%d.rego", i), m, ast.ParserOptions{RegoVersion: ast.RegoV1}); err == nil {
			visit(mod)
		}
	}
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
