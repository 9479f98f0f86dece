module toolgate.local/tools/graphql

go 1.26.0

require github.com/vektah/gqlparser/v2 v2.5.58

require github.com/agnivade/levenshtein v1.2.1 // indirect
