// Package logtest records what a *slog.Logger is given, for tests of
// what the server logs.
package logtest

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// Record is one log record, its attributes flattened to strings (a
// group's attributes under "group.key").
type Record struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

func (r Record) String() string {
	keys := make([]string, 0, len(r.Attrs))
	for k := range r.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q", r.Level, r.Msg)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, r.Attrs[k])
	}
	return b.String()
}

// Recorder keeps every record logged at or above its level.
//
// Concurrency: safe for concurrent use.
type Recorder struct {
	level slog.Level

	mu      sync.Mutex
	records []Record      // guarded by mu
	added   chan struct{} // guarded by mu; closed and replaced on every record
}

// New returns a Recorder of the records at level and above.
func New(level slog.Level) *Recorder {
	return &Recorder{level: level, added: make(chan struct{})}
}

// Logger returns a logger writing to r.
func (r *Recorder) Logger() *slog.Logger { return slog.New(&handler{r: r}) }

// All returns the records so far.
func (r *Recorder) All() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.records...)
}

// Match returns the records with message msg whose attributes include
// every key and value of attrs.
func (r *Recorder) Match(msg string, attrs map[string]string) []Record {
	var out []Record
	for _, rec := range r.All() {
		if rec.matches(msg, attrs) {
			out = append(out, rec)
		}
	}
	return out
}

func (rec Record) matches(msg string, attrs map[string]string) bool {
	if rec.Msg != msg {
		return false
	}
	for k, v := range attrs {
		if got, ok := rec.Attrs[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// Wait returns the first record Match would return, waiting up to
// timeout for it to be logged.
func (r *Recorder) Wait(timeout time.Duration, msg string, attrs map[string]string) (Record, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for _, rec := range r.records {
			if rec.matches(msg, attrs) {
				r.mu.Unlock()
				return rec, nil
			}
		}
		added := r.added
		r.mu.Unlock()
		select {
		case <-added:
		case <-deadline.C:
			return Record{}, fmt.Errorf("logtest: no record %q with %v after %v; got:\n%s", msg, attrs, timeout, r.dump())
		}
	}
}

func (r *Recorder) dump() string {
	var b strings.Builder
	for _, rec := range r.All() {
		b.WriteString("  " + rec.String() + "\n")
	}
	return b.String()
}

func (r *Recorder) add(rec Record) {
	r.mu.Lock()
	r.records = append(r.records, rec)
	close(r.added)
	r.added = make(chan struct{})
	r.mu.Unlock()
}

type handler struct {
	r      *Recorder
	attrs  []slog.Attr // from WithAttrs, keys already prefixed
	prefix string      // from WithGroup: "a.b."
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.r.level }

func (h *handler) Handle(_ context.Context, rec slog.Record) error {
	out := Record{Level: rec.Level, Msg: rec.Message, Attrs: map[string]string{}}
	for _, a := range h.attrs {
		flatten(out.Attrs, "", a)
	}
	rec.Attrs(func(a slog.Attr) bool {
		flatten(out.Attrs, h.prefix, a)
		return true
	})
	h.r.add(out)
	return nil
}

func flatten(m map[string]string, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			flatten(m, p, g)
		}
		return
	}
	m[prefix+a.Key] = v.String()
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range as {
		a.Key = h.prefix + a.Key
		c.attrs = append(c.attrs, a)
	}
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.prefix = h.prefix + name + "."
	return &c
}
