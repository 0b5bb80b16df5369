package msgpack

import (
	"encoding/json"
	"maps"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gosio/socketio/codec"
)

// args are the decoded arguments of a packet: each one the msgpack bytes
// of one value (checked when the packet was decoded, aliasing the
// message), decoded on demand into the handler's types.
type args struct {
	raw [][]byte
}

var _ codec.Args = (*args)(nil)

func (a *args) Len() int { return len(a.raw) }

// Decode implements codec.Args: into a typed target as encoding/json
// would decode the value's JSON form (see tojson.go), into any (and
// []any, map[string]any) as described in the package doc, into []byte
// from bin.
func (a *args) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return codec.ErrNoArgument
	}
	raw := a.raw[i]
	if done, err := decodeFast(raw, v); done {
		return err
	}
	if p, ok := v.(*json.RawMessage); ok {
		text, _, _, err := appendAsJSON(nil, raw, 0)
		if err != nil {
			return invalid(err)
		}
		*p = text
		return nil
	}
	text, _, special, err := appendAsJSON(make([]byte, 0, 2*len(raw)+16), raw, 0)
	if err != nil {
		return invalid(err)
	}
	if err := json.Unmarshal(text, v); err != nil {
		return err
	}
	if special {
		// Where the target has an any, it got the base64 (or date)
		// string: give it the []byte (or time.Time) an any target gets.
		tree, _, err := readTree(raw, 0)
		if err != nil {
			return invalid(err)
		}
		restoreSpecial(reflect.ValueOf(v), tree)
	}
	return nil
}

// decodeFast decodes the common targets without going through JSON, with
// the same outcome; done is false when the general path must decide.
func decodeFast(raw []byte, v any) (done bool, err error) {
	tok, _, err := readToken(raw)
	if err != nil {
		return true, invalid(err)
	}
	null := tok.kind == kindNil || tok.kind == kindUndefined
	switch p := v.(type) {
	case *any:
		t, _, err := readTree(raw, 0)
		if err != nil {
			return true, invalid(err)
		}
		*p = t
		return true, nil
	case *string:
		switch {
		case tok.kind == kindStr:
			*p = validString(tok.data)
			return true, nil
		case null: // encoding/json leaves a string as it is for null
			return true, nil
		}
	case *[]byte:
		switch {
		case tok.kind == kindBin:
			*p = tok.data
			return true, nil
		case null:
			*p = nil
			return true, nil
		}
	case *bool:
		switch {
		case tok.kind == kindBool:
			*p = tok.b
			return true, nil
		case null:
			return true, nil
		}
	case *int:
		switch {
		case tok.kind == kindInt && tok.i == int64(int(tok.i)):
			*p = int(tok.i)
			return true, nil
		case null:
			return true, nil
		}
	case *int64:
		switch {
		case tok.kind == kindInt:
			*p = tok.i
			return true, nil
		case null:
			return true, nil
		}
	case *float64:
		switch {
		case tok.kind == kindInt:
			*p = float64(tok.i)
			return true, nil
		case tok.kind == kindUint:
			*p = float64(tok.u)
			return true, nil
		case tok.kind == kindFloat:
			if !math.IsNaN(tok.f) && !math.IsInf(tok.f, 0) { // JSON null otherwise
				*p = tok.f
			}
			return true, nil
		case null:
			return true, nil
		}
	case *map[string]any:
		switch {
		case tok.kind == kindMap:
			t, _, err := readTree(raw, 0)
			if err != nil {
				return true, invalid(err)
			}
			if *p == nil {
				*p = t.(map[string]any)
			} else {
				maps.Copy(*p, t.(map[string]any)) // encoding/json adds to a map
			}
			return true, nil
		case null:
			*p = nil
			return true, nil
		}
	case *[]any:
		switch {
		case tok.kind == kindArray:
			t, _, err := readTree(raw, 0)
			if err != nil {
				return true, invalid(err)
			}
			*p = t.([]any)
			return true, nil
		case null:
			*p = nil
			return true, nil
		}
	}
	return false, nil
}

// restoreSpecial walks a target decoded from JSON alongside the decoded
// tree and puts the []byte or time.Time of the tree into every empty
// interface location where the JSON form left a string.
func restoreSpecial(v reflect.Value, tree any) {
	if !hasSpecial(tree) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			restoreSpecial(v.Elem(), tree)
		}
		return
	case reflect.Interface:
		if v.NumMethod() != 0 || v.IsNil() {
			return
		}
		switch tree.(type) {
		case []byte, time.Time:
			if v.CanSet() {
				v.Set(reflect.ValueOf(tree))
			}
			return
		}
		// A []any or map[string]any from encoding/json: its elements
		// can be set in place.
		restoreSpecial(v.Elem(), tree)
		return
	}
	switch t := tree.(type) {
	case []any:
		if v.Kind() == reflect.Slice || v.Kind() == reflect.Array {
			for i := 0; i < v.Len() && i < len(t); i++ {
				restoreSpecial(v.Index(i), t[i])
			}
		}
	case map[string]any:
		switch v.Kind() {
		case reflect.Map:
			for k, sub := range t {
				if !hasSpecial(sub) {
					continue
				}
				key, ok := mapKeyValue(k, v.Type().Key())
				if !ok {
					continue
				}
				cur := v.MapIndex(key)
				if !cur.IsValid() {
					continue
				}
				cp := reflect.New(cur.Type()).Elem()
				cp.Set(cur)
				restoreSpecial(cp, sub)
				v.SetMapIndex(key, cp)
			}
		case reflect.Struct:
			fields := fieldsOf(v.Type())
			for k, sub := range t {
				if !hasSpecial(sub) {
					continue
				}
				f := matchField(fields, k)
				if f == nil {
					continue
				}
				if fv, ok := fieldByIndex(v, f.index); ok {
					restoreSpecial(fv, sub)
				}
			}
		}
	}
}

// matchField finds the field a JSON key decodes into: the exact name,
// else a case-insensitive match, as encoding/json does.
func matchField(fields []structField, key string) *structField {
	for i := range fields {
		if fields[i].name == key {
			return &fields[i]
		}
	}
	for i := range fields {
		if strings.EqualFold(fields[i].name, key) {
			return &fields[i]
		}
	}
	return nil
}

// mapKeyValue converts a JSON object key to a map key of type kt, for the
// key kinds encoding/json decodes from plain text.
func mapKeyValue(k string, kt reflect.Type) (reflect.Value, bool) {
	switch kt.Kind() {
	case reflect.String:
		return reflect.ValueOf(k).Convert(kt), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return reflect.Value{}, false
		}
		return reflect.ValueOf(n).Convert(kt), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(k, 10, 64)
		if err != nil {
			return reflect.Value{}, false
		}
		return reflect.ValueOf(n).Convert(kt), true
	}
	return reflect.Value{}, false
}

// hasSpecial reports whether a decoded tree holds a []byte or time.Time.
func hasSpecial(tree any) bool {
	switch t := tree.(type) {
	case []byte, time.Time:
		return true
	case []any:
		for _, e := range t {
			if hasSpecial(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if hasSpecial(e) {
				return true
			}
		}
	}
	return false
}
