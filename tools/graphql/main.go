// OPA's graphql.* builtins (topdown/graphql.go of the pinned opa, v1.22.2)
// over the same parser and validator (github.com/vektah/gqlparser/v2 at the
// version that opa pins), compiled to a WASI reactor module that toolgate's
// host builtins call (src/policy/builtins/graphql.ts). Operands and results
// are JSON: operands as OPA's ast.JSON gives them (sets as sorted arrays), and
// results as OPA builds them (the AST through encoding/json with Position,
// nulls and empty values pruned). A Go panic answers {"panic": ...}, which the
// host turns into a failed evaluation.
//
// Build: scripts/build-graphql-wasm.sh (GOOS=wasip1 GOARCH=wasm, c-shared).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	gqlast "github.com/vektah/gqlparser/v2/ast"
	gqlparser "github.com/vektah/gqlparser/v2/parser"
	gqlvalidator "github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

var defaultRules = rules.NewDefaultRules()

func main() {}

var (
	request []byte
	result  []byte
)

//go:wasmexport toolgate_alloc
func toolgateAlloc(n int32) uint32 {
	request = make([]byte, n+1)
	return uint32(uintptr(unsafe.Pointer(&request[0])))
}

//go:wasmexport toolgate_call
func toolgateCall(n int32) uint32 {
	result = handle(request[:n])
	result = append(result, 0)
	return uint32(uintptr(unsafe.Pointer(&result[0])))
}

//go:wasmexport toolgate_result_len
func toolgateResultLen() int32 {
	return int32(len(result) - 1)
}

type call struct {
	Op   string            `json:"op"`
	Args []json.RawMessage `json:"args"`
}

func handle(in []byte) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			out, _ = json.Marshal(map[string]string{"panic": fmt.Sprint(r)})
		}
	}()
	var c call
	if err := json.Unmarshal(in, &c); err != nil {
		out, _ = json.Marshal(map[string]string{"panic": "bad request: " + err.Error()})
		return out
	}
	value, err := dispatch(c)
	if err != nil {
		out, _ = json.Marshal(map[string]string{"error": err.Error()})
		return out
	}
	out, err = json.Marshal(map[string]any{"value": value})
	if err != nil {
		out, _ = json.Marshal(map[string]string{"panic": "result: " + err.Error()})
	}
	return out
}

// operand is a builtin's operand: a string, an object (its JSON), or neither.
type operand struct {
	str    *string
	object json.RawMessage
}

func readOperand(raw json.RawMessage) operand {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return operand{str: &s}
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
		return operand{object: raw}
	}
	return operand{}
}

func dispatch(c call) (any, error) {
	args := make([]operand, len(c.Args))
	for i, a := range c.Args {
		args[i] = readOperand(a)
	}
	switch c.Op {
	case "graphql.parse_query":
		return parseQueryBuiltin(args[0])
	case "graphql.parse_schema":
		return parseSchemaBuiltin(args[0])
	case "graphql.is_valid":
		return isValid(args[0], args[1]), nil
	case "graphql.schema_is_valid":
		return schemaIsValid(args[0]), nil
	case "graphql.parse":
		return parse(args[0], args[1])
	case "graphql.parse_and_verify":
		return parseAndVerify(args[0], args[1]), nil
	}
	return nil, fmt.Errorf("unknown builtin %s", c.Op)
}

func parseSchema(schema string) (*gqlast.SchemaDocument, error) {
	schemaAST, err := gqlparser.ParseSchema(&gqlast.Source{Input: schema})
	if err != nil {
		return nil, formatGqlParserError(err)
	}
	return schemaAST, nil
}

func parseQuery(query string) (*gqlast.QueryDocument, error) {
	queryAST, err := gqlparser.ParseQuery(&gqlast.Source{Input: query})
	if err != nil {
		return nil, formatGqlParserError(err)
	}
	return queryAST, nil
}

func validateQuery(schema *gqlast.Schema, query *gqlast.QueryDocument) error {
	if err := gqlvalidator.ValidateWithRules(schema, query, defaultRules); err != nil {
		return formatGqlParserError(err)
	}
	return nil
}

func getBuiltinSchema() *gqlast.SchemaDocument {
	schema, err := gqlparser.ParseSchema(gqlvalidator.Prelude)
	if err != nil {
		panic(fmt.Errorf("Error in gqlparser Prelude (should be impossible): %w", err))
	}
	return schema
}

func mergeSchemaDocuments(docA *gqlast.SchemaDocument, docB *gqlast.SchemaDocument) *gqlast.SchemaDocument {
	ast := &gqlast.SchemaDocument{}
	ast.Merge(docA)
	ast.Merge(docB)
	return ast
}

// schemaCache keeps converted schemas by operand, as OPA's inter-query
// builtin value cache does (10 entries there): a policy validates against the
// same few schemas, and converting one (the prelude included) is the cost.
var schemaCache = map[string]*gqlast.Schema{}

const schemaCacheEntries = 10

// cachedSchema is readSchema + convertSchema for an operand, cached.
func cachedSchema(s operand) (*gqlast.Schema, error) {
	key := string(s.object)
	if s.str != nil {
		key = "s" + *s.str
	} else if s.object != nil {
		key = "o" + key
	}
	if schema, ok := schemaCache[key]; ok && key != "" {
		return schema, nil
	}
	schemaDoc, err := readSchema(s)
	if err != nil {
		return nil, err
	}
	schema, err := convertSchema(schemaDoc)
	if err != nil {
		return nil, err
	}
	if len(schemaCache) >= schemaCacheEntries {
		clear(schemaCache)
	}
	schemaCache[key] = schema
	return schema, nil
}

func convertSchema(schemaDoc *gqlast.SchemaDocument) (*gqlast.Schema, error) {
	builtinsSchemaDoc := getBuiltinSchema()
	mergedSchemaDoc := mergeSchemaDocuments(builtinsSchemaDoc, schemaDoc)
	schema, err := gqlvalidator.ValidateSchemaDocument(mergedSchemaDoc)
	if err != nil {
		return nil, fmt.Errorf("Error in gqlparser SchemaDocument to Schema conversion: %w", err)
	}
	return schema, nil
}

// objectToQueryDocument and objectToSchemaDocument: OPA marshals the object
// (ast.JSON) and unmarshals it into gqlparser's document type.
func objectToQueryDocument(object json.RawMessage) (*gqlast.QueryDocument, error) {
	var result gqlast.QueryDocument
	if err := json.Unmarshal(object, &result); err != nil {
		return nil, err
	}
	return &result, nil
}

func objectToSchemaDocument(object json.RawMessage) (*gqlast.SchemaDocument, error) {
	var result gqlast.SchemaDocument
	if err := json.Unmarshal(object, &result); err != nil {
		return nil, err
	}
	return &result, nil
}

// toValue is OPA's ast.InterfaceToValue of a Go value: a JSON round trip,
// numbers kept as written.
func toValue(x any) (any, error) {
	bs, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(bs))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// prune is topdown's pruneIrrelevantGraphQLASTNodes over JSON values.
func prune(value any) any {
	switch x := value.(type) {
	case []any:
		result := make([]any, 0, len(x))
		for _, v := range x {
			switch vv := v.(type) {
			case nil:
				continue
			case []any:
				if va := prune(vv).([]any); len(va) > 0 {
					result = append(result, va)
				}
			case map[string]any:
				if vo := prune(vv).(map[string]any); len(vo) > 0 {
					result = append(result, vo)
				}
			default:
				result = append(result, v)
			}
		}
		return result
	case map[string]any:
		result := make(map[string]any, len(x))
		for k, v := range x {
			if k == "Position" {
				continue
			}
			switch vv := v.(type) {
			case nil:
				continue
			case []any:
				if va := prune(vv).([]any); len(va) > 0 {
					result[k] = va
				}
			case map[string]any:
				if vo := prune(vv).(map[string]any); len(vo) > 0 {
					result[k] = vo
				}
			default:
				result[k] = v
			}
		}
		return result
	default:
		return x
	}
}

func formatGqlParserError(err error) error {
	if err == nil {
		return nil
	}
	errorParts := strings.SplitN(err.Error(), ":", 4)
	if len(errorParts) >= 4 {
		row, err := strconv.ParseUint(errorParts[1], 10, 64)
		if err == nil {
			col, err := strconv.ParseUint(errorParts[2], 10, 64)
			if err == nil {
				msg := strings.TrimSuffix(strings.TrimLeft(errorParts[len(errorParts)-1], " "), ".\n")
				return fmt.Errorf("%s in GraphQL string at location %d:%d", msg, row, col)
			}
		}
	}
	return fmt.Errorf("GraphQL parse error: %w", err)
}

var errOperandType = errors.New("operand must be a string or an object")

func readQuery(q operand) (*gqlast.QueryDocument, error) {
	switch {
	case q.str != nil:
		return parseQuery(*q.str)
	case q.object != nil:
		return objectToQueryDocument(q.object)
	}
	return nil, errOperandType
}

func readSchema(s operand) (*gqlast.SchemaDocument, error) {
	switch {
	case s.str != nil:
		return parseSchema(*s.str)
	case s.object != nil:
		return objectToSchemaDocument(s.object)
	}
	return nil, errOperandType
}

func prunedValue(x any) (any, error) {
	v, err := toValue(x)
	if err != nil {
		return nil, err
	}
	return prune(v), nil
}

func parse(q, s operand) (any, error) {
	queryDoc, err := readQuery(q)
	if err != nil {
		return nil, err
	}
	schemaDoc, err := readSchema(s)
	if err != nil {
		return nil, err
	}
	querySchema, err := prunedValue(schemaDoc)
	if err != nil {
		return nil, err
	}
	schema, err := cachedSchema(s)
	if err != nil {
		return nil, err
	}
	queryAST, err := toValue(queryDoc)
	if err != nil {
		return nil, err
	}
	if err := validateQuery(schema, queryDoc); err != nil {
		return nil, err
	}
	return []any{prune(queryAST), querySchema}, nil
}

func parseAndVerify(q, s operand) any {
	unverified := []any{false, map[string]any{}, map[string]any{}}
	queryDoc, err := readQuery(q)
	if err != nil {
		return unverified
	}
	queryAST, err := toValue(queryDoc)
	if err != nil {
		return unverified
	}
	schemaDoc, err := readSchema(s)
	if err != nil {
		return unverified
	}
	querySchema, err := prunedValue(schemaDoc)
	if err != nil {
		return unverified
	}
	schema, err := cachedSchema(s)
	if err != nil {
		return unverified
	}
	if err := validateQuery(schema, queryDoc); err != nil {
		return unverified
	}
	return []any{true, prune(queryAST), querySchema}
}

func parseQueryBuiltin(q operand) (any, error) {
	if q.str == nil {
		return nil, errors.New("operand 1 must be string")
	}
	query, err := parseQuery(*q.str)
	if err != nil {
		return nil, err
	}
	return prunedValue(query)
}

func parseSchemaBuiltin(s operand) (any, error) {
	if s.str == nil {
		return nil, errors.New("operand 1 must be string")
	}
	schemaDoc, err := parseSchema(*s.str)
	if err != nil {
		return nil, err
	}
	return prunedValue(schemaDoc)
}

func isValid(q, s operand) bool {
	queryDoc, err := readQuery(q)
	if err != nil {
		return false
	}
	schema, err := cachedSchema(s)
	if err != nil {
		return false
	}
	return validateQuery(schema, queryDoc) == nil
}

func schemaIsValid(s operand) bool {
	_, err := cachedSchema(s)
	return err == nil
}
