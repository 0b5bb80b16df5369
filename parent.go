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
// template's middleware and handlers) on first use. With pin (Of) the
// child is kept for good; without (a CONNECT), the caller holds a
// reference until it calls release.
func (p *parentNamespace) child(name string, pin bool) *Namespace {
	s := p.template.srv
	s.mu.Lock()
	nsp, ok := s.nsps[name]
	if !ok {
		nsp = newNamespace(s, name)
		nsp.owner = p
		p.template.mu.RLock()
		nsp.middlewares = slices.Clone(p.template.middlewares)
		nsp.onConnect = slices.Clone(p.template.onConnect)
		p.template.mu.RUnlock()
		s.nsps[name] = nsp
		p.mu.Lock()
		p.kids[name] = nsp
		p.mu.Unlock()
	}
	if pin {
		nsp.pinned = true
	} else if nsp.owner != nil {
		nsp.refs.Add(1)
	}
	s.mu.Unlock()
	return nsp
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
