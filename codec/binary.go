package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Binary attachments: on the way out, []byte values anywhere in a packet's
// data are replaced by placeholders and sent as separate binary messages
// (deconstruct); on the way in, placeholders are resolved to the received
// attachments when an argument is decoded (jsonArgs.Decode).

type placeholder struct {
	Placeholder bool `json:"_placeholder"`
	Num         int  `json:"num"`
}

var (
	bytesType     = reflect.TypeOf([]byte(nil))
	rawJSONType   = reflect.TypeOf(json.RawMessage(nil))
	marshalerType = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
)

// typeHoldsBinary caches, per type, whether a value of that type can
// contain a []byte to send as an attachment: analysed once per type, so the
// common case (no binary) costs one map lookup per argument.
var typeHoldsBinary sync.Map // reflect.Type → bool

func mayHoldType(t reflect.Type) bool {
	if v, ok := typeHoldsBinary.Load(t); ok {
		return v.(bool)
	}
	// Only final answers are cached: a type met again while it is being
	// analysed (a recursive type) is cut by seen, which is local, so no
	// other goroutine and no other type can see a provisional answer.
	r := computeHoldsBinary(t, make(map[reflect.Type]bool))
	typeHoldsBinary.Store(t, r)
	return r
}

// computeHoldsBinary reports whether a []byte (or an interface, which may
// hold one) is reachable from t through elements, pointers and exported
// or embedded fields. seen holds the types on the current path.
func computeHoldsBinary(t reflect.Type, seen map[reflect.Type]bool) bool {
	if v, ok := typeHoldsBinary.Load(t); ok {
		return v.(bool)
	}
	if seen[t] {
		return false // explored higher up the path
	}
	seen[t] = true
	if t == rawJSONType || t.Implements(marshalerType) {
		return false
	}
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return true
		}
		return computeHoldsBinary(t.Elem(), seen)
	case reflect.Array, reflect.Pointer, reflect.Map:
		return computeHoldsBinary(t.Elem(), seen)
	case reflect.Interface:
		return true
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() || f.Anonymous {
				if computeHoldsBinary(f.Type, seen) {
					return true
				}
			}
		}
	}
	return false
}

// mayHoldBinary reports whether v contains a []byte, looking inside
// interface values and pruning by type.
func mayHoldBinary(v any) bool {
	switch x := v.(type) { // the usual arguments, without reflection
	case nil, string, bool, int, int64, float64:
		return false
	case []byte:
		return x != nil
	case []any:
		for _, e := range x {
			if mayHoldBinary(e) {
				return true
			}
		}
		return false
	}
	return holdsBinary(reflect.ValueOf(v))
}

func holdsBinary(v reflect.Value) bool {
	if !v.IsValid() || !mayHoldType(v.Type()) {
		return false
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		return !v.IsNil() && holdsBinary(v.Elem())
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return !v.IsNil()
		}
		fallthrough
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if holdsBinary(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if holdsBinary(it.Value()) {
				return true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			if f := t.Field(i); (f.IsExported() || f.Anonymous) && holdsBinary(v.Field(i)) {
				return true
			}
		}
	}
	return false
}

// deconstruct returns a JSON-encodable copy of v in which every []byte is
// a placeholder, and the attachments in placeholder order (depth first,
// as the reference encoder numbers them).
func deconstruct(v any) (any, [][]byte) {
	var atts [][]byte
	out := replaceBinary(reflect.ValueOf(v), &atts)
	return out, atts
}

func replaceBinary(v reflect.Value, atts *[][]byte) any {
	if !v.IsValid() {
		return nil
	}
	if !mayHoldType(v.Type()) {
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return replaceBinary(v.Elem(), atts)
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			*atts = append(*atts, v.Bytes())
			return placeholder{true, len(*atts) - 1}
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = replaceBinary(v.Index(i), atts)
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil // null, as encoding/json writes a nil map
		}
		// Visit the entries in the order encoding/json writes them (sorted
		// keys), so placeholders are numbered in the order they appear.
		keys := make([]string, 0, v.Len())
		vals := make(map[string]reflect.Value, v.Len())
		it := v.MapRange()
		for it.Next() {
			k := mapKey(it.Key())
			keys = append(keys, k)
			vals[k] = it.Value()
		}
		slices.Sort(keys)
		out := make(map[string]any, len(keys))
		for _, k := range keys {
			out[k] = replaceBinary(vals[k], atts)
		}
		return out
	case reflect.Struct:
		var obj orderedObject
		appendFields(&obj, v, atts)
		return obj
	}
	return v.Interface()
}

func mapKey(k reflect.Value) string {
	switch k.Kind() {
	case reflect.String:
		return k.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10)
	}
	b, _ := json.Marshal(k.Interface())
	return strings.Trim(string(b), `"`)
}

// appendFields adds v's fields as encoding/json would name them: json tag
// names, "-" skipped, omitempty honoured, embedded structs flattened.
func appendFields(obj *orderedObject, v reflect.Value, atts *[][]byte) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		fv := v.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv, ft = fv.Elem(), ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				appendFields(obj, fv, atts)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if hasOption(opts, "omitempty") && isEmptyValue(fv) {
			continue
		}
		if hasOption(opts, "omitzero") && isZeroValue(fv) {
			continue
		}
		if hasOption(opts, "string") {
			switch fv.Kind() {
			case reflect.Bool,
				reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
				reflect.Float32, reflect.Float64, reflect.String:
				// The value's JSON inside a JSON string, as encoding/json
				// writes it for the "string" option.
				b, err := appendJSON(nil, fv.Interface())
				if err == nil {
					*obj = append(*obj, field{name, string(b)})
					continue
				}
			}
		}
		*obj = append(*obj, field{name, replaceBinary(fv, atts)})
	}
}

// isEmptyValue is encoding/json's omitempty test: false, 0, a nil pointer
// or interface, an empty array, slice, map or string. Structs are never
// empty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
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

var isZeroerType = reflect.TypeFor[interface{ IsZero() bool }]()

// isZeroValue is encoding/json's omitzero test: the type's IsZero method
// when it has one (a nil pointer is zero), else the zero value of the
// type.
func isZeroValue(v reflect.Value) bool {
	if v.Type().Implements(isZeroerType) {
		if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
			return true
		}
		return v.Interface().(interface{ IsZero() bool }).IsZero()
	}
	return v.IsZero()
}

type field struct {
	name  string
	value any
}

// orderedObject is a JSON object that keeps struct field order.
type orderedObject []field

func (o orderedObject) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			buf = append(buf, ',')
		}
		k, _ := json.Marshal(f.name)
		buf = append(buf, k...)
		buf = append(buf, ':')
		var err error
		if buf, err = appendJSON(buf, f.value); err != nil {
			return nil, err
		}
	}
	return append(buf, '}'), nil
}

// jsonArgs are the decoded arguments of a JSON packet.
type jsonArgs struct {
	raw  []json.RawMessage
	atts [][]byte
	in   *decodedPacket // the memory holding these arguments, if any (Recycle)
}

// ErrNoArgument is returned by Args.Decode for an index past the end.
var ErrNoArgument = errors.New("socket.io: no such argument")

var placeholderKey = []byte(`"_placeholder"`)

func (a *jsonArgs) Len() int { return len(a.raw) }

// PlainString returns argument i when it is a JSON string without escapes
// or control characters (what most event arguments are), read without
// encoding/json; false otherwise, or when there is no argument i. The
// root package's handlers of string and any arguments check it first.
func (a *jsonArgs) PlainString(i int) (string, bool) {
	if i < 0 || i >= len(a.raw) {
		return "", false
	}
	return plainString(a.raw[i])
}

func (a *jsonArgs) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return ErrNoArgument
	}
	raw := a.raw[i]
	switch p := v.(type) {
	case *any:
		if s, ok := plainString(raw); ok {
			*p = s
			return nil
		}
	case *string:
		if s, ok := plainString(raw); ok {
			*p = s
			return nil
		}
	}
	if _, ok := v.(*json.RawMessage); ok || len(a.atts) == 0 || !mayHoldPlaceholder(raw) {
		return json.Unmarshal(raw, v)
	}
	return a.decodeWithAttachments(raw, v)
}

// decodeWithAttachments decodes an argument holding placeholders. It is a
// function of its own, kept out of Decode: its decoder lives in its
// frame, and a large frame in Decode would make every handler worker
// grow its stack (a copy) on its first, plain-string, argument.
//
//go:noinline
func (a *jsonArgs) decodeWithAttachments(raw json.RawMessage, v any) error {
	var tree any
	var err error
	switch v.(type) {
	case *any, *[]any, *map[string]any, *[]byte:
		// Generic targets get the tree itself, numbers as float64 as
		// encoding/json gives them (and a []byte holds no large number).
		err = json.Unmarshal(raw, &tree)
	default:
		// Typed targets get the tree re-encoded: json.Number keeps every
		// number's text, so integers beyond 2^53 stay exact.
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		err = dec.Decode(&tree)
	}
	if err != nil {
		return err
	}
	tree, err = a.resolve(tree)
	if err != nil {
		return err
	}
	switch p := v.(type) {
	case *any:
		*p = tree
		return nil
	case *[]byte:
		if b, ok := tree.([]byte); ok {
			*p = b
			return nil
		}
	case *[]any:
		// Elements are any: attachments are []byte, as for *any.
		if l, ok := tree.([]any); ok {
			*p = l
			return nil
		}
	case *map[string]any:
		if m, ok := tree.(map[string]any); ok {
			if *p == nil {
				*p = m
			} else {
				maps.Copy(*p, m) // encoding/json adds to a non-nil map
			}
			return nil
		}
	}
	// Typed targets: re-encode with the attachments as base64 strings,
	// which encoding/json decodes into []byte fields.
	b, err := json.Marshal(tree)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	// An any field (or []any element) got the base64 text: give it the
	// []byte an any target gets.
	restoreBinary(reflect.ValueOf(v), tree)
	return nil
}

// restoreBinary walks a decoded target alongside the resolved tree and
// puts the attachment itself into every interface-typed location where
// the tree holds one.
func restoreBinary(v reflect.Value, tree any) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			restoreBinary(v.Elem(), tree)
		}
		return
	case reflect.Interface:
		if b, ok := tree.([]byte); ok && v.CanSet() && v.NumMethod() == 0 {
			v.Set(reflect.ValueOf(b))
			return
		}
		if !v.IsNil() && v.Elem().Kind() == reflect.Pointer {
			restoreBinary(v.Elem(), tree)
		}
		return
	}
	switch t := tree.(type) {
	case []any:
		if v.Kind() == reflect.Slice || v.Kind() == reflect.Array {
			for i := 0; i < v.Len() && i < len(t); i++ {
				restoreBinary(v.Index(i), t[i])
			}
		}
	case map[string]any:
		switch v.Kind() {
		case reflect.Struct:
			restoreFields(v, t)
		case reflect.Map:
			if v.Type().Key().Kind() != reflect.String {
				return
			}
			for k, sub := range t {
				key := reflect.ValueOf(k).Convert(v.Type().Key())
				cur := v.MapIndex(key)
				if !cur.IsValid() {
					continue
				}
				cp := reflect.New(cur.Type()).Elem()
				cp.Set(cur)
				restoreBinary(cp, sub)
				v.SetMapIndex(key, cp)
			}
		}
	}
}

func restoreFields(v reflect.Value, t map[string]any) {
	typ := v.Type()
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			restoreFields(v.Field(i), t)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		sub, ok := t[name]
		if !ok {
			for k, val := range t { // encoding/json matches names case-insensitively
				if strings.EqualFold(k, name) {
					sub, ok = val, true
					break
				}
			}
		}
		if ok {
			restoreBinary(v.Field(i), sub)
		}
	}
}

// resolve replaces placeholders in a generic JSON tree by attachments.
func (a *jsonArgs) resolve(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		if isPH, _ := t["_placeholder"].(bool); isPH {
			i, ok := placeholderIndex(t["num"], len(a.atts))
			if !ok {
				return nil, socketErr("invalid attachment placeholder")
			}
			return a.atts[i], nil
		}
		for k, e := range t {
			r, err := a.resolve(e)
			if err != nil {
				return nil, err
			}
			t[k] = r
		}
	case []any:
		for i, e := range t {
			r, err := a.resolve(e)
			if err != nil {
				return nil, err
			}
			t[i] = r
		}
	}
	return v, nil
}
