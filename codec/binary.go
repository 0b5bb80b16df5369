package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
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
	// Mark in progress as false to cut recursive types; the final answer
	// overwrites it.
	typeHoldsBinary.Store(t, false)
	r := computeHoldsBinary(t)
	typeHoldsBinary.Store(t, r)
	return r
}

func computeHoldsBinary(t reflect.Type) bool {
	if t == rawJSONType || t.Implements(marshalerType) {
		return false
	}
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return true
		}
		return mayHoldType(t.Elem())
	case reflect.Array, reflect.Pointer:
		return mayHoldType(t.Elem())
	case reflect.Map:
		return mayHoldType(t.Elem())
	case reflect.Interface:
		return true
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() || f.Anonymous {
				if mayHoldType(f.Type) {
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
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[mapKey(it.Key())] = replaceBinary(it.Value(), atts)
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
		if strings.Contains(opts, "omitempty") && fv.IsZero() {
			continue
		}
		*obj = append(*obj, field{name, replaceBinary(fv, atts)})
	}
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
}

// ErrNoArgument is returned by Args.Decode for an index past the end.
var ErrNoArgument = errors.New("socket.io: no such argument")

var placeholderKey = []byte(`"_placeholder"`)

func (a *jsonArgs) Len() int { return len(a.raw) }

func (a *jsonArgs) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return ErrNoArgument
	}
	raw := a.raw[i]
	if _, ok := v.(*json.RawMessage); ok || len(a.atts) == 0 || !bytes.Contains(raw, placeholderKey) {
		return json.Unmarshal(raw, v)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return err
	}
	tree, err := a.resolve(tree)
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
	}
	// Typed targets: re-encode with the attachments as base64 strings,
	// which encoding/json decodes into []byte fields.
	b, err := json.Marshal(tree)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// resolve replaces placeholders in a generic JSON tree by attachments.
func (a *jsonArgs) resolve(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		if isPH, _ := t["_placeholder"].(bool); isPH {
			n, ok := t["num"].(float64)
			if !ok || n < 0 || n >= float64(len(a.atts)) || n != float64(int(n)) {
				return nil, socketErr("invalid attachment placeholder")
			}
			return a.atts[int(n)], nil
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
