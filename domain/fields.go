package domain

import "sort"

// SortFields orders field errors by field name so that responses are stable.
func SortFields(fields []FieldError) {
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
}
