package msgpack

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// structField is one field of a struct as encoding/json sees it: the name
// it is written under and how to reach it from the outer struct.
type structField struct {
	name      string
	index     []int // reflect field index path, through embedded structs
	typ       reflect.Type
	tagged    bool // the name comes from a json tag
	omitEmpty bool
	omitZero  bool
	quoted    bool // the ",string" option, on a type it applies to
}

// typeFields caches the fields of each struct type. Types are few and
// their fields never change, so the cache only grows to the number of
// struct types a program encodes or decodes.
var typeFields sync.Map // reflect.Type → []structField

// fieldsOf returns the fields of struct type t that encoding/json would
// encode, in the order it writes them.
func fieldsOf(t reflect.Type) []structField {
	if f, ok := typeFields.Load(t); ok {
		return f.([]structField)
	}
	f := computeFields(t)
	typeFields.Store(t, f)
	return f
}

// computeFields applies encoding/json's rules: exported fields and the
// exported fields of embedded structs (also unexported embedded struct
// types), renamed by their json tag, "-" dropped; among fields of the same
// name the shallowest wins, then a tagged one, and if that leaves several
// none is written. Embedded structs are walked breadth first, each type
// once.
func computeFields(t reflect.Type) []structField {
	type pending struct {
		typ   reflect.Type
		index []int
	}
	var out []structField
	current := []pending{}
	next := []pending{{typ: t}}
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current, next = next, current[:0]
		// How often each embedded struct type appears at this depth: a
		// type embedded twice at one depth cancels its own fields.
		count := map[reflect.Type]int{}
		for _, p := range current {
			count[p.typ]++
		}
		nextCount := map[reflect.Type]int{}
		for _, p := range current {
			if visited[p.typ] {
				continue
			}
			visited[p.typ] = true
			for i := 0; i < p.typ.NumField(); i++ {
				sf := p.typ.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clip(p.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					nextCount[ft]++
					if nextCount[ft] == 1 {
						next = append(next, pending{typ: ft, index: index})
					}
					continue
				}
				f := structField{
					name:      name,
					index:     index,
					typ:       sf.Type,
					tagged:    name != "",
					omitEmpty: hasOption(opts, "omitempty"),
					omitZero:  hasOption(opts, "omitzero"),
				}
				if f.name == "" {
					f.name = sf.Name
				}
				if hasOption(opts, "string") {
					qt := sf.Type
					if qt.Name() == "" && qt.Kind() == reflect.Pointer {
						qt = qt.Elem()
					}
					switch qt.Kind() {
					case reflect.Bool,
						reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
						reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
						reflect.Float32, reflect.Float64, reflect.String:
						f.quoted = true
					}
				}
				out = append(out, f)
				if count[p.typ] > 1 {
					// The enclosing type appears twice at this depth: the
					// duplicate makes the field ambiguous, so it is dropped
					// below.
					out = append(out, f)
				}
			}
		}
		// Embedded types seen twice at the next depth also cancel out.
		for i := range next {
			if nextCount[next[i].typ] > 1 {
				next = append(next, next[i])
			}
		}
	}
	return dominantFields(out)
}

// dominantFields keeps, for each name, the one field encoding/json would
// write, and returns them in field order.
func dominantFields(fs []structField) []structField {
	slices.SortStableFunc(fs, func(a, b structField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := len(a.index) - len(b.index); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	out := fs[:0:0]
	for i := 0; i < len(fs); {
		j := i + 1
		for j < len(fs) && fs[j].name == fs[i].name {
			j++
		}
		group := fs[i:j]
		i = j
		if len(group) == 1 {
			out = append(out, group[0])
			continue
		}
		// The shallowest fields only; a single tagged one among them wins.
		depth := len(group[0].index)
		n := 1
		for n < len(group) && len(group[n].index) == depth {
			n++
		}
		if n == 1 {
			out = append(out, group[0])
			continue
		}
		if group[0].tagged && !group[1].tagged {
			out = append(out, group[0])
		}
	}
	slices.SortFunc(out, func(a, b structField) int { return slices.Compare(a.index, b.index) })
	return out
}

// validTagName is encoding/json's test for a usable tag name.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
			// Punctuation encoding/json allows in names.
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// hasOption reports whether a json tag's options (after the name) include
// opt.
func hasOption(opts, opt string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == opt {
			return true
		}
	}
	return false
}

// fieldByIndex returns the field of v at index, or false when the path
// goes through a nil embedded pointer (encoding/json then skips the
// field).
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}
