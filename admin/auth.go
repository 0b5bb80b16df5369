package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"time"

	socketio "github.com/gosio/socketio"
)

// errInvalidCredentials is what a refused UI gets (its CONNECT_ERROR
// message): the UI recognises this text.
var errInvalidCredentials = errors.New("invalid credentials")

// errClosed refuses admin sockets once Close has been called.
var errClosed = errors.New("admin closed")

// loginSession is the Data of an admin socket that logged in with a
// password: the session id it is given.
type loginSession string

const (
	maxSessions = 64
	sessionTTL  = 24 * time.Hour
)

// authenticate is the admin namespace's middleware: a session id given
// earlier, or valid credentials (then a new session id), or nothing when
// InsecureNoAuth.
func (a *Admin) authenticate(s *socketio.Socket) error {
	if a.closed.Load() {
		return errClosed
	}
	if a.opts.InsecureNoAuth {
		return nil
	}
	auth := s.Handshake().Auth
	if id, _ := auth["sessionId"].(string); id != "" && a.validSession(id) {
		return nil
	}
	user, _ := auth["username"].(string)
	pass, _ := auth["password"].(string)
	var ok bool
	if a.opts.Authenticate != nil {
		ok = a.opts.Authenticate(s.Context(), user, pass)
	} else {
		ok = a.opts.Auth.matches(user, pass)
	}
	if !ok {
		return errInvalidCredentials
	}
	id, err := a.newSession()
	if err != nil {
		return err
	}
	s.SetData(loginSession(id))
	return nil
}

// matches compares in constant time: hashing first makes the time
// independent of the lengths too.
func (b *BasicAuth) matches(user, pass string) bool {
	hu, wu := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(b.Username))
	hp, wp := sha256.Sum256([]byte(pass)), sha256.Sum256([]byte(b.Password))
	return subtle.ConstantTimeCompare(hu[:], wu[:])&subtle.ConstantTimeCompare(hp[:], wp[:]) == 1
}

// sessionStore holds the session ids given to logged-in UIs, oldest
// first; at most maxSessions.
type sessionStore struct {
	ids     map[string]time.Time // id → expiry
	byOrder []string
}

func (a *Admin) newSession() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(b[:])
	a.mu.Lock()
	defer a.mu.Unlock()
	st := &a.sessions
	if st.ids == nil {
		st.ids = make(map[string]time.Time)
	}
	for len(st.byOrder) >= maxSessions {
		delete(st.ids, st.byOrder[0])
		st.byOrder = st.byOrder[1:]
	}
	st.ids[id] = time.Now().Add(sessionTTL)
	st.byOrder = append(st.byOrder, id)
	return id, nil
}

func (a *Admin) validSession(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	exp, ok := a.sessions.ids[id]
	return ok && time.Now().Before(exp)
}
