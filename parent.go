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
	p := &parentNamespace{allow: allow, regexp: isRegexp, kids: make(map[string]*Namespace)}
	s.mu.Lock()
	name := "/_" + strconv.Itoa(s.templates)
	s.templates++
	s.mu.Unlock()
	tmpl, err := newNamespace(s, name)
	if err != nil {
		panic(err)
	}
	p.template = tmpl
	tmpl.parent = p
	s.mu.Lock()
	s.parents = append(s.parents, p)
	s.mu.Unlock()
	return tmpl
}

// child returns the child namespace for name, creating it (with the
// template's middleware and handlers) on first use; its adapter is
// created outside the server's lock. With pin (Of) the child is kept for
// good; without (a CONNECT), the caller holds a reference until it calls
// release.
func (p *parentNamespace) child(name string, pin bool) (*Namespace, error) {
	s := p.template.srv
	s.mu.Lock()
	nsp, ok := s.nsps[name]
	if ok {
		p.holdLocked(nsp, pin)
		s.mu.Unlock()
		return nsp, nil
	}
	s.mu.Unlock()
	fresh, err := newNamespace(s, name)
	if err != nil {
		return nil, err
	}
	fresh.owner = p
	p.template.mu.RLock()
	fresh.middlewares = slices.Clone(p.template.middlewares)
	fresh.onConnect = slices.Clone(p.template.onConnect)
	p.template.mu.RUnlock()
	s.mu.Lock()
	nsp, ok = s.nsps[name]
	if !ok { // else another CONNECT created it meanwhile: use that one
		nsp = fresh
		s.nsps[name] = nsp
		p.mu.Lock()
		p.kids[name] = nsp
		p.mu.Unlock()
	}
	p.holdLocked(nsp, pin)
	s.mu.Unlock()
	if ok {
		_ = fresh.adapter.Close()
	}
	return nsp, nil
}

// holdLocked pins nsp or takes a CONNECT's reference on it. The server's
// mu must be held.
func (p *parentNamespace) holdLocked(nsp *Namespace, pin bool) {
	if pin {
		nsp.pinned = true
	} else if nsp.owner != nil {
		nsp.refs.Add(1)
	}
}

// release gives back the reference lookup took for a CONNECT to a dynamic
// child, and removes the child if nothing uses it (see removeIfUnused).
func (n *Namespace) release() {
	if n.owner != nil {
		n.refs.Add(-1)
		n.removeIfUnused()
	}
}

// removeIfUnused removes a dynamic child that has no socket, no CONNECT
// in progress and was not asked for by Of, if it never had a socket (a
// refused CONNECT) or CleanupEmptyChildNamespaces is set. Its adapter is
// closed. Without this, every name a client invents that the parent
// accepts would stay in the server's map.
func (n *Namespace) removeIfUnused() {
	p, s := n.owner, n.srv
	if p == nil {
		return
	}
	s.mu.Lock()
	n.mu.RLock()
	unused := len(n.sockets) == 0 && n.refs.Load() == 0 && !n.pinned &&
		(!n.hadSocket || s.opts.CleanupEmptyChildNamespaces) && s.nsps[n.name] == n
	n.mu.RUnlock()
	if unused {
		delete(s.nsps, n.name)
		p.mu.Lock()
		if p.kids[n.name] == n {
			delete(p.kids, n.name)
		}
		p.mu.Unlock()
	}
	s.mu.Unlock()
	if unused {
		_ = n.adapter.Close()
	}
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
