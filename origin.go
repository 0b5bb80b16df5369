package socketio

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rs/cors"

	"github.com/gosio/socketio/session"
)

// OriginPolicy decides which browser origins may use the server. It is
// shared by the origin check, CORS and the Flash policy, so the three never
// disagree.
//
// The zero value allows same-origin requests only: a request whose Origin
// header names the host it was sent to, or that has no Origin header (not
// a cross-origin browser request: curl, native clients, same-origin page
// loads). This is the safe default: a browser page of another site cannot
// use its visitors' cookies against the server.
type OriginPolicy struct {
	// AllowedOrigins lists origins allowed besides the same origin: exact
	// ("https://app.example.com") or with a wildcard first label
	// ("https://*.example.com", which does not match example.com itself).
	// "*" allows every origin.
	AllowedOrigins []string
	// AllowOriginFunc, when non-nil, is consulted for origins that
	// AllowedOrigins does not allow.
	AllowOriginFunc func(origin string, r *http.Request) bool
	// AllowCredentials lets cross-origin pages send cookies (CORS
	// Access-Control-Allow-Credentials). Default false.
	AllowCredentials bool
	// AllowedHeaders are the request headers cross-origin pages may send
	// (CORS preflight). Nil means the headers the Socket.IO client uses
	// plus Authorization.
	AllowedHeaders []string
}

// Allowed reports whether the request's origin is allowed.
//
// A JSONP poll (Engine.IO v3, see EngineOptions.AllowEIO3) is a <script>
// load, for which browsers send no Origin header: its origin is read from
// the Referer header instead, and one that browsers mark cross-site
// (Sec-Fetch-Site) while hiding its Referer is refused. Over plain HTTP,
// where browsers send no Sec-Fetch-Site, a page that hides its Referer
// cannot be told apart from a non-browser client and is allowed.
func (p *OriginPolicy) Allowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" && isJSONP(r) {
		var known bool
		if origin, known = scriptOrigin(r); !known {
			return false
		}
	}
	if origin == "" || sameOrigin(origin, r) {
		return true
	}
	return p.allowedCrossOrigin(origin, r)
}

// isJSONP reports whether r is an Engine.IO v3 JSONP poll (a j query
// parameter on a GET).
func isJSONP(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.URL.RawQuery, "j=") && r.URL.Query().Has("j")
}

// scriptOrigin is the origin of the page that loaded a script: "" for a
// same-origin or direct load (or a client that says nothing: not a
// browser, or plain HTTP without a Referer), the Referer's origin
// otherwise. known is false for a cross-site load whose origin is hidden.
func scriptOrigin(r *http.Request) (origin string, known bool) {
	site := r.Header.Get("Sec-Fetch-Site")
	if site == "same-origin" || site == "none" {
		return "", true
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return "", false
		}
		return u.Scheme + "://" + u.Host, true
	}
	return "", site == ""
}

func (p *OriginPolicy) allowedCrossOrigin(origin string, r *http.Request) bool {
	for _, o := range p.AllowedOrigins {
		if matchOrigin(o, origin) {
			return true
		}
	}
	return p.AllowOriginFunc != nil && p.AllowOriginFunc(origin, r)
}

func sameOrigin(origin string, r *http.Request) bool {
	_, host, ok := parseOrigin(origin)
	return ok && strings.EqualFold(host, r.Host)
}

// parseOrigin splits a serialized origin, scheme "://" host [":" port] as
// browsers send it, into its scheme and host. Anything else (a path, user
// info, a query or a fragment after the host) is not an origin: ok is
// false, so that a crafted value such as "https://evil.test/.example.com"
// or "http://evil.test@app.example.com" matches nothing.
func parseOrigin(origin string) (scheme, host string, ok bool) {
	scheme, host, ok = strings.Cut(origin, "://")
	if !ok || scheme == "" || host == "" || strings.ContainsAny(host, "/?#@\\ ") {
		return "", "", false
	}
	return scheme, host, true
}

// matchOrigin matches origin against an allow-list entry.
func matchOrigin(pattern, origin string) bool {
	if pattern == "*" {
		return true
	}
	if strings.EqualFold(pattern, origin) {
		return true
	}
	scheme, host, ok := strings.Cut(pattern, "://*.")
	if !ok {
		return false
	}
	oscheme, ohost, ok := parseOrigin(origin)
	if !ok || !strings.EqualFold(scheme, oscheme) {
		return false
	}
	suffix := "." + strings.ToLower(host)
	ohost = strings.ToLower(ohost)
	return strings.HasSuffix(ohost, suffix) && len(ohost) > len(suffix)
}

// CheckOrigin returns middleware refusing requests whose origin the policy
// does not allow, with 403 and the Engine.IO JSON error body
// {"code":4,"message":"Origin not allowed"}. It covers polling requests
// and WebSocket upgrades alike (both are HTTP requests).
func CheckOrigin(p OriginPolicy) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !p.Allowed(r) {
				session.WriteError(w, http.StatusForbidden, session.CodeForbidden, "Origin not allowed")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// CORS returns middleware that answers preflight requests and adds CORS
// headers (github.com/rs/cors) for the origins the policy allows.
// Headers are set before the wrapped handler runs, so its error
// responses keep them.
func CORS(p OriginPolicy) func(http.Handler) http.Handler {
	headers := p.AllowedHeaders
	if headers == nil {
		headers = []string{"Content-Type", "Authorization", "X-Requested-With"}
	}
	c := cors.New(cors.Options{
		AllowOriginRequestFunc: func(r *http.Request, origin string) bool {
			return sameOrigin(origin, r) || p.allowedCrossOrigin(origin, r)
		},
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   headers,
		AllowCredentials: p.AllowCredentials,
	})
	return c.Handler
}
