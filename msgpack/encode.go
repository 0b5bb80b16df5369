package msgpack

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tinylib/msgp/msgp"
)

// Encoding Go values: what encoding/json would write, as msgpack. The
// walk below decides what is written (json tags, json.Marshaler,
// encoding.TextMarshaler, sorted map keys) so that a value reaches a
// client as the same JavaScript value as with the JSON parser; tinylib's
// msgp append functions write the bytes. The differences are the point of
// msgpack: []byte is written as bin (a Buffer or ArrayBuffer on the
// client), integral numbers as integers, NaN and ±Inf as floats.

// maxDepth bounds the nesting of what is encoded and decoded: a cyclic
// value fails instead of overflowing the stack, as encoding/json fails on
// cycles.
const maxDepth = 1000

var (
	errTooDeep      = errors.New("msgpack: value nested too deeply (or cyclic)")
	marshalerType   = reflect.TypeFor[json.Marshaler]()
	textMarshalType = reflect.TypeFor[encoding.TextMarshaler]()
	numberType      = reflect.TypeFor[json.Number]()
	isZeroerType    = reflect.TypeFor[interface{ IsZero() bool }]()
)

// UnsupportedTypeError is returned when a value holds a type encoding/json
// cannot encode either (channels, functions, complex numbers, maps with
// keys of other kinds than strings, integers or text marshalers).
type UnsupportedTypeError struct{ Type reflect.Type }

func (e *UnsupportedTypeError) Error() string {
	return "msgpack: unsupported type: " + e.Type.String()
}

// appendValue appends v as msgpack.
func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, errTooDeep
	}
	// The usual arguments, without reflection.
	switch x := v.(type) {
	case nil:
		return msgp.AppendNil(b), nil
	case string:
		return msgp.AppendString(b, x), nil
	case bool:
		return msgp.AppendBool(b, x), nil
	case int:
		return appendInt(b, int64(x)), nil
	case int64:
		return appendInt(b, x), nil
	case float64:
		return appendFloat(b, x), nil
	case []byte:
		if x == nil {
			return msgp.AppendNil(b), nil
		}
		return msgp.AppendBytes(b, x), nil
	case json.RawMessage:
		if x == nil {
			return msgp.AppendNil(b), nil
		}
		return appendJSON(b, x, depth)
	case []any:
		if x == nil {
			return msgp.AppendNil(b), nil
		}
		b = msgp.AppendArrayHeader(b, uint32(len(x)))
		for _, e := range x {
			var err error
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case map[string]any:
		if x == nil {
			return msgp.AppendNil(b), nil
		}
		return appendStringMap(b, x, depth)
	}
	return appendReflect(b, reflect.ValueOf(v), depth)
}

// appendInt writes an integer in its smallest form, unsigned when it is
// not negative, as notepack writes JavaScript numbers.
func appendInt(b []byte, i int64) []byte {
	if i >= 0 {
		return msgp.AppendUint64(b, uint64(i))
	}
	return msgp.AppendInt64(b, i)
}

// appendFloat writes an integral float as an integer (the number JSON
// text would give JavaScript, and what notepack writes for it), other
// values as float64.
func appendFloat(b []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 && !(f == 0 && math.Signbit(f)) {
		return appendInt(b, int64(f))
	}
	return msgp.AppendFloat64(b, f)
}

// appendFloat32 writes f as the float64 of its shortest decimal form, the
// number encoding/json's text for it gives JavaScript (0.1, not
// 0.10000000149011612).
func appendFloat32(b []byte, f float32) []byte {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return msgp.AppendFloat64(b, float64(f))
	}
	g, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return appendFloat(b, g)
}

func appendStringMap(b []byte, m map[string]any, depth int) ([]byte, error) {
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic output, in encoding/json's order
	b = msgp.AppendMapHeader(b, uint32(len(keys)))
	for _, k := range keys {
		b = msgp.AppendString(b, k)
		var err error
		if b, err = appendValue(b, m[k], depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

func appendReflect(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, errTooDeep
	}
	if !v.IsValid() {
		return msgp.AppendNil(b), nil
	}
	t := v.Type()
	// Marshalers first, as encoding/json looks for them: on the value, or
	// on its address when it has one.
	if t.Kind() != reflect.Pointer && v.CanAddr() && reflect.PointerTo(t).Implements(marshalerType) {
		return appendMarshaler(b, v.Addr(), depth)
	}
	if t.Implements(marshalerType) {
		return appendMarshaler(b, v, depth)
	}
	if t.Kind() != reflect.Pointer && v.CanAddr() && reflect.PointerTo(t).Implements(textMarshalType) {
		return appendTextMarshaler(b, v.Addr())
	}
	if t.Implements(textMarshalType) {
		return appendTextMarshaler(b, v)
	}
	switch t.Kind() {
	case reflect.Bool:
		return msgp.AppendBool(b, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return appendInt(b, v.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return msgp.AppendUint64(b, v.Uint()), nil
	case reflect.Float32:
		return appendFloat32(b, float32(v.Float())), nil
	case reflect.Float64:
		return appendFloat(b, v.Float()), nil
	case reflect.String:
		if t == numberType {
			return appendNumber(b, v.String())
		}
		return msgp.AppendString(b, v.String()), nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return msgp.AppendNil(b), nil
		}
		return appendReflect(b, v.Elem(), depth+1)
	case reflect.Slice:
		if v.IsNil() {
			return msgp.AppendNil(b), nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return msgp.AppendBytes(b, v.Bytes()), nil
		}
		fallthrough
	case reflect.Array:
		n := v.Len()
		b = msgp.AppendArrayHeader(b, uint32(n))
		for i := 0; i < n; i++ {
			var err error
			if b, err = appendReflect(b, v.Index(i), depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case reflect.Map:
		if v.IsNil() {
			return msgp.AppendNil(b), nil
		}
		return appendMap(b, v, depth)
	case reflect.Struct:
		return appendStruct(b, v, depth)
	}
	return b, &UnsupportedTypeError{t}
}

func appendMarshaler(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return msgp.AppendNil(b), nil
	}
	m, ok := v.Interface().(json.Marshaler)
	if !ok {
		return msgp.AppendNil(b), nil
	}
	text, err := m.MarshalJSON()
	if err != nil {
		return b, fmt.Errorf("msgpack: calling MarshalJSON for type %s: %w", v.Type(), err)
	}
	return appendJSON(b, text, depth)
}

func appendTextMarshaler(b []byte, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return msgp.AppendNil(b), nil
	}
	m, ok := v.Interface().(encoding.TextMarshaler)
	if !ok {
		return msgp.AppendNil(b), nil
	}
	text, err := m.MarshalText()
	if err != nil {
		return b, fmt.Errorf("msgpack: calling MarshalText for type %s: %w", v.Type(), err)
	}
	return msgp.AppendStringFromBytes(b, text), nil
}

// appendNumber writes a json.Number as the number it holds, as
// encoding/json writes it as a number literal.
func appendNumber(b []byte, s string) ([]byte, error) {
	if s == "" {
		s = "0" // encoding/json writes an empty Number as 0
	}
	if !isJSONNumber(s) {
		return b, fmt.Errorf("msgpack: invalid number literal %q", s)
	}
	return appendJSONNumber(b, s), nil
}

// mapEntry is a map entry with its key as encoding/json names it.
type mapEntry struct {
	key string
	val reflect.Value
}

func appendMap(b []byte, v reflect.Value, depth int) ([]byte, error) {
	kt := v.Type().Key()
	switch kt.Kind() {
	case reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		if !kt.Implements(textMarshalType) {
			return b, &UnsupportedTypeError{v.Type()}
		}
	}
	entries := make([]mapEntry, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := mapKeyName(it.Key())
		if err != nil {
			return b, err
		}
		entries = append(entries, mapEntry{k, it.Value()})
	}
	slices.SortFunc(entries, func(a, b mapEntry) int { return strings.Compare(a.key, b.key) })
	b = msgp.AppendMapHeader(b, uint32(len(entries)))
	for _, e := range entries {
		b = msgp.AppendString(b, e.key)
		var err error
		if b, err = appendReflect(b, e.val, depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// mapKeyName is the object key encoding/json writes for a map key.
func mapKeyName(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		text, err := tm.MarshalText()
		return string(text), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	}
	return strconv.FormatUint(k.Uint(), 10), nil
}

func appendStruct(b []byte, v reflect.Value, depth int) ([]byte, error) {
	fields := fieldsOf(v.Type())
	// The header needs the count of written fields, which omitempty and
	// nil embedded pointers make known only after the walk: find the
	// values first.
	var buf [16]reflect.Value
	vals := buf[:0]
	var which [16]int
	idx := which[:0]
	for i := range fields {
		f := &fields[i]
		fv, ok := fieldByIndex(v, f.index)
		if !ok {
			continue
		}
		if f.omitEmpty && isEmptyValue(fv) || f.omitZero && isZeroValue(fv) {
			continue
		}
		vals = append(vals, fv)
		idx = append(idx, i)
	}
	b = msgp.AppendMapHeader(b, uint32(len(vals)))
	for j, fv := range vals {
		f := &fields[idx[j]]
		b = msgp.AppendString(b, f.name)
		var err error
		if f.quoted {
			b, err = appendQuoted(b, fv)
		} else {
			b, err = appendReflect(b, fv, depth+1)
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendQuoted writes a field with the ",string" option: the JSON text of
// its value, as a string.
func appendQuoted(b []byte, v reflect.Value) ([]byte, error) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return msgp.AppendNil(b), nil
		}
		v = v.Elem()
	}
	var w bytes.Buffer
	enc := json.NewEncoder(&w)
	enc.SetEscapeHTML(false) // as the JSON parser writes it
	if err := enc.Encode(v.Interface()); err != nil {
		return b, err
	}
	return msgp.AppendStringFromBytes(b, bytes.TrimSuffix(w.Bytes(), []byte("\n"))), nil
}

// isEmptyValue is encoding/json's omitempty test.
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

// isZeroValue is encoding/json's omitzero test: the IsZero method when
// the type has one, else the zero value of the type.
func isZeroValue(v reflect.Value) bool {
	if v.Type().Implements(isZeroerType) {
		if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
			return true
		}
		return v.Interface().(interface{ IsZero() bool }).IsZero()
	}
	if v.Kind() != reflect.Pointer && v.CanAddr() && reflect.PointerTo(v.Type()).Implements(isZeroerType) {
		return v.Addr().Interface().(interface{ IsZero() bool }).IsZero()
	}
	return v.IsZero()
}
