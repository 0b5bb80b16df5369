package socketio

import (
	"slices"
	"strconv"
	"sync"
)

// parentNamespace is a dynamic namespace declaration (OfRegexp, OfFunc).
// Its template Namespace collects middleware and connection handlers; each
// accepted name becomes a child Namespace that copies them at creation, as
// in the reference server. Broadcasting on the template reaches every
// child.
type parentNamespace struct {
	template *Namespace
	allow    func(name string, auth map[string]any) bool
	regexp   bool

	mu   sync.Mutex
	kids map[string]*Namespace // guarded by mu
}

func (s *Server) addParent(allow func(string, map[string]any) bool, isRegexp bool) *Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &parentNamespace{allow: allow, regexp: isRegexp, kids: make(map[string]*Namespace)}
	p.template = newNamespace(s, "/_"+strconv.Itoa(len(s.parents)))
	p.template.parent = p
	s.parents = append(s.parents, p)
	return p.template
}

// child returns the child namespace for name, creating it (with the
// template's middleware and handlers) on first use.
func (p *parentNamespace) child(name string) *Namespace {
	s := p.template.srv
	s.mu.Lock()
	if nsp, ok := s.nsps[name]; ok {
		s.mu.Unlock()
		return nsp
	}
	nsp := newNamespace(s, name)
	p.template.mu.RLock()
	nsp.middlewares = slices.Clone(p.template.middlewares)
	nsp.onConnect = slices.Clone(p.template.onConnect)
	p.template.mu.RUnlock()
	s.nsps[name] = nsp
	s.mu.Unlock()
	p.mu.Lock()
	p.kids[name] = nsp
	p.mu.Unlock()
	return nsp
}

func (p *parentNamespace) children() []*Namespace {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*Namespace, 0, len(p.kids))
	for _, k := range p.kids {
		out = append(out, k)
	}
	return out
}
