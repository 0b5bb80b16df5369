package admin_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/admin"
	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// TestAttachOptions: Attach refuses options that leave the admin open by
// mistake or are contradictory.
func TestAttachOptions(t *testing.T) {
	io := socketio.NewServer(nil)
	defer io.Shutdown(context.Background())
	bad := map[string]admin.Options{
		"no credentials":           {},
		"empty password":           {Auth: &admin.BasicAuth{Username: "admin"}},
		"Auth and Authenticate":    {Auth: &admin.BasicAuth{Password: "x"}, Authenticate: func(context.Context, string, string) bool { return true }},
		"Auth and InsecureNoAuth":  {Auth: &admin.BasicAuth{Password: "x"}, InsecureNoAuth: true},
		"the main namespace":       {InsecureNoAuth: true, Namespace: "/"},
		"a name without its slash": {InsecureNoAuth: true, Namespace: "admin"},
	}
	for name, opts := range bad {
		if adm, err := admin.Attach(io, opts); err == nil {
			adm.Close()
			t.Errorf("%s: Attach succeeded", name)
		}
	}
	if _, err := admin.Attach(nil, admin.Options{InsecureNoAuth: true}); err == nil {
		t.Error("Attach(nil) succeeded")
	}
	adm, err := admin.Attach(io, admin.Options{InsecureNoAuth: true, Namespace: "/custom"})
	if err != nil {
		t.Fatal(err)
	}
	if got := adm.Namespace().Name(); got != "/custom" {
		t.Errorf("Namespace() = %q", got)
	}
	if err := adm.Close(); err != nil {
		t.Fatal(err)
	}
	if err := adm.Close(); err != nil { // twice is fine
		t.Fatal(err)
	}
}

// TestAuth: wrong or missing credentials get CONNECT_ERROR "invalid
// credentials" (the text the UI recognises); right ones connect and get
// a session id, which then replaces the password.
func TestAuth(t *testing.T) {
	e := newEnv(t, creds, nil)
	for name, auth := range map[string]map[string]any{
		"no payload":      nil,
		"wrong password":  {"username": "admin", "password": "nope"},
		"wrong username":  {"username": "root", "password": "s3cret"},
		"not strings":     {"username": 1, "password": true},
		"unknown session": {"sessionId": "0123"},
	} {
		_, err := e.dial("/admin", auth)
		var ce *client.ConnectError
		if !errors.As(err, &ce) || ce.Message != "invalid credentials" {
			t.Errorf("%s: %v, want CONNECT_ERROR invalid credentials", name, err)
		}
	}
	ui := e.admin()
	sid := ui.next(t, "session").str(t, 0)
	if len(sid) < 32 {
		t.Fatalf("session id %q: too short", sid)
	}
	ui.next(t, "config")
	// A reload: the UI sends the session id alone, and gets no new one.
	again := e.mustDial("/admin", map[string]any{"sessionId": sid})
	if first := again.first(t); first.name != "config" {
		t.Fatalf("first event after a session login: %q, want config", first.name)
	}
}

// TestAuthenticateHook: Options.Authenticate decides instead of BasicAuth.
func TestAuthenticateHook(t *testing.T) {
	var calls atomic.Int32
	e := newEnv(t, admin.Options{Authenticate: func(ctx context.Context, user, pass string) bool {
		calls.Add(1)
		return ctx != nil && user == "ops" && pass == "from-the-hook"
	}}, nil)
	if _, err := e.dial("/admin", map[string]any{"username": "ops", "password": "wrong"}); err == nil {
		t.Fatal("the hook's refusal was not applied")
	}
	ui := e.mustDial("/admin", map[string]any{"username": "ops", "password": "from-the-hook"})
	ui.next(t, "session")
	if n := calls.Load(); n != 2 {
		t.Fatalf("Authenticate called %d times, want 2", n)
	}
}

// TestConfig: the features the UI unlocks, by mode and ReadOnly (the
// lists Node's instrument sends).
func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts admin.Options
		want []string
	}{
		{"development", admin.Options{}, []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"}},
		{"read-only", admin.Options{ReadOnly: true}, []string{"AGGREGATED_EVENTS", "ALL_EVENTS"}},
		{"production read-only", admin.Options{ReadOnly: true, Mode: admin.Production}, []string{"AGGREGATED_EVENTS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Auth = creds.Auth
			e := newEnv(t, opts, nil)
			var cfg struct {
				SupportedFeatures []string `json:"supportedFeatures"`
			}
			e.admin().next(t, "config").arg(t, 0, &cfg)
			if !slices.Equal(cfg.SupportedFeatures, tc.want) {
				t.Fatalf("supportedFeatures %q, want %q", cfg.SupportedFeatures, tc.want)
			}
		})
	}
}

// stats is server_stats as the UI reads it.
type stats struct {
	ServerID            string  `json:"serverId"`
	Hostname            string  `json:"hostname"`
	PID                 int     `json:"pid"`
	Uptime              float64 `json:"uptime"`
	ClientsCount        int     `json:"clientsCount"`
	PollingClientsCount int     `json:"pollingClientsCount"`
	AggregatedEvents    []struct {
		Timestamp int64  `json:"timestamp"`
		Type      string `json:"type"`
		Count     int    `json:"count"`
	} `json:"aggregatedEvents"`
	Namespaces []struct {
		Name         string `json:"name"`
		SocketsCount int    `json:"socketsCount"`
	} `json:"namespaces"`
}

// TestServerStats: the counts per transport and namespace (the admin
// namespace left out, the UI's own connection counted), the server's
// identity, and, in the ticks that follow, aggregated events counting
// exactly the Engine.IO sessions opened and closed and the packets and
// bytes received since, with the bytes the server sends (the UI's own
// included) reported too.
func TestServerStats(t *testing.T) {
	opts := creds
	opts.ServerID = "node-1"
	ups := make(chan struct{}, 8)
	e := newEnv(t, opts, func(io *socketio.Server) {
		io.Of("/chat")
		io.OnConnection(func(s *socketio.Socket) { s.On("up", func(string) { ups <- struct{}{} }) })
	})
	e.mustDial("/", nil, client.Polling)
	e.mustDial("/", nil, client.WebSocket)
	ws := e.mustDial("/chat", nil, client.WebSocket)
	ui := e.admin()
	var st stats
	ui.next(t, "server_stats").arg(t, 0, &st)
	if st.ServerID != "node-1" || st.Hostname == "" || st.PID <= 0 || st.Uptime <= 0 {
		t.Errorf("identity: %s", asJSON(st))
	}
	if st.ClientsCount != 4 || st.PollingClientsCount != 1 {
		t.Errorf("clientsCount %d, pollingClientsCount %d; want 4 (3 clients and the UI), 1", st.ClientsCount, st.PollingClientsCount)
	}
	got := asJSON(st.Namespaces)
	if want := `[{"name":"/","socketsCount":2},{"name":"/chat","socketsCount":1}]`; got != want {
		t.Errorf("namespaces %s, want %s", got, want)
	}

	// Of the next two server_stats one at least is a tick, whose counters
	// were read after the UI's login: from then on the UI sends nothing,
	// so what comes in is the clients' alone.
	ui.next(t, "server_stats")
	ui.next(t, "server_stats")
	sum := map[string]int{}
	read := func() {
		t.Helper()
		var st stats
		ui.next(t, "server_stats").arg(t, 0, &st)
		for _, ev := range st.AggregatedEvents {
			if ev.Timestamp%1000 != 0 || ev.Count <= 0 {
				t.Errorf("event %+v: timestamp not on a second, or nothing counted", ev)
			}
			sum[ev.Type] += ev.Count
		}
	}

	// A client leaves, one comes and sends two events: one session closed,
	// one opened, three packets in (its CONNECT, "0", and the events).
	ws.Manager().Close()
	c := e.mustDial("/", nil, client.WebSocket)
	payload := strings.Repeat("x", 50)
	for range 2 {
		if err := c.Emit("up", payload); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		select {
		case <-ups:
		case <-time.After(wait):
			t.Fatal("the server did not get the events")
		}
	}
	want := map[string]int{
		"rawConnection": 1, "rawDisconnection": 1,
		"packetsIn": 3, "bytesIn": len("0") + 2*len(`2["up","`+payload+`"]`),
	}
	reached := func() bool {
		for k, n := range want {
			if sum[k] < n {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(wait)
	for !reached() {
		if time.Now().After(deadline) {
			t.Fatalf("aggregated %v after %v, want %v", sum, wait, want)
		}
		read()
	}
	// Nothing is counted twice: the next ticks add none of it.
	read()
	read()
	for k, n := range want {
		if sum[k] != n {
			t.Errorf("aggregated %s: %d, want %d", k, sum[k], n)
		}
	}
	// The one packet sent to a client meanwhile is the new one's CONNECT
	// reply: the others went to the UI (server_stats, socket_connected,
	// event_received...), and are counted too.
	for sum["packetsOut"] <= 1 || sum["bytesOut"] <= sum["packetsOut"] {
		if time.Now().After(deadline) {
			t.Fatalf("aggregated out: %d packets, %d bytes", sum["packetsOut"], sum["bytesOut"])
		}
		read()
	}
}

// TestAllSockets: on login (Development) the UI gets every socket of the
// other namespaces with its rooms, handshake (without the CONNECT
// payload), transport and client id; the admin sockets are not listed.
func TestAllSockets(t *testing.T) {
	socks := make(chan *socketio.Socket, 8)
	e := newEnv(t, creds, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.SetData(map[string]any{"user": "ann"})
			s.Join("lobby")
			socks <- s
		})
		io.Of("/chat").OnConnection(func(s *socketio.Socket) { socks <- s })
	})
	a := e.mustDial("/?room=x", map[string]any{"token": "secret-token"}, client.WebSocket)
	chat := a.Manager().Socket("/chat", nil)
	chat.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := chat.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	<-socks
	<-socks
	ui := e.admin()
	other := e.admin() // a second UI: not listed either
	_ = other
	var list []wireSocket
	ui.next(t, "all_sockets").arg(t, 0, &list)
	sort.Slice(list, func(i, j int) bool { return list[i].Nsp < list[j].Nsp })
	if len(list) != 2 || list[0].Nsp != "/" || list[1].Nsp != "/chat" {
		t.Fatalf("all_sockets: %s", asJSON(list))
	}
	main, sub := list[0], list[1]
	if main.ID != a.ID() || sub.ID != chat.ID() {
		t.Errorf("ids %s, %s; want %s, %s", main.ID, sub.ID, a.ID(), chat.ID())
	}
	rooms := slices.Clone(main.Rooms)
	sort.Strings(rooms)
	if want := []string{a.ID(), "lobby"}; !slices.Equal(rooms, sortedCopy(want)) {
		t.Errorf("rooms %q, want %q", main.Rooms, want)
	}
	if main.Data["user"] != "ann" || len(sub.Data) != 0 {
		t.Errorf("data %v and %v", main.Data, sub.Data)
	}
	if main.Transport != "websocket" || main.ClientID == "" || main.ClientID != sub.ClientID || len(main.ClientID) != 12 {
		t.Errorf("transport %q, client ids %q and %q (one connection: the same id)", main.Transport, main.ClientID, sub.ClientID)
	}
	hs := main.Handshake
	if _, has := hs["auth"]; has {
		t.Errorf("the handshake shows the CONNECT payload: %v", hs)
	}
	if q, _ := hs["query"].(map[string]any); q["room"] != "x" {
		t.Errorf("handshake query %v", hs["query"])
	}
	if h, _ := hs["headers"].(map[string]any); h["host"] == nil {
		t.Errorf("handshake headers %v", hs["headers"])
	}
	for _, k := range []string{"address", "time", "issued", "url", "secure", "xdomain"} {
		if _, ok := hs[k]; !ok {
			t.Errorf("handshake has no %q: %v", k, hs)
		}
	}
	if strings.Contains(asJSON(list), "secret-token") {
		t.Error("the token of the CONNECT payload reached the UI")
	}
}

func bytesEqual(v any, want []byte) bool {
	b, ok := v.([]byte)
	return ok && slices.Equal(b, want)
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// TestLiveEvents: with a UI connected, a socket's life is reported as it
// happens: connection, rooms joined and left, events received and sent,
// disconnection, each stamped with the time.
func TestLiveEvents(t *testing.T) {
	socks := make(chan *socketio.Socket, 8)
	e := newEnv(t, creds, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) { socks <- s })
		io.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	})
	ui := e.admin()
	ui.next(t, "all_sockets")

	c := e.mustDial("/", nil, client.WebSocket)
	ev := ui.next(t, "socket_connected")
	var ws wireSocket
	ev.arg(t, 0, &ws)
	if ws.ID != c.ID() || ws.Nsp != "/" {
		t.Fatalf("socket_connected %s, want %s on /", asJSON(ws), c.ID())
	}
	isoTime(t, ev.str(t, 1))
	s := recvSocket(t, socks)

	s.Join("room1")
	ev = ui.next(t, "room_joined", aboutSocket(t, 2, "/", c.ID()))
	if room := ev.str(t, 1); room != "room1" {
		t.Fatalf("room_joined %q", room)
	}
	isoTime(t, ev.str(t, 3))
	s.Leave("room1")
	if room := ui.next(t, "room_left", aboutSocket(t, 2, "/", c.ID())).str(t, 1); room != "room1" {
		t.Fatalf("room_left %q", room)
	}

	if err := c.Emit("hello", 1, "two", []byte{3}); err != nil {
		t.Fatal(err)
	}
	ev = ui.next(t, "event_received", aboutSocket(t, 1, "/", c.ID()))
	var got []any
	ev.arg(t, 2, &got)
	if len(got) != 4 || got[0] != "hello" || got[1] != 1.0 || got[2] != "two" || !bytesEqual(got[3], []byte{3}) {
		t.Fatalf("event_received %v", got)
	}
	isoTime(t, ev.str(t, 3))

	buf := []byte{7, 8}
	if err := s.Emit("news", map[string]any{"n": 2}, buf); err != nil {
		t.Fatal(err)
	}
	buf[0] = 0 // the admin keeps its own copy
	ev = ui.next(t, "event_sent", aboutSocket(t, 1, "/", c.ID()))
	ev.arg(t, 2, &got)
	if len(got) != 3 || got[0] != "news" || asJSON(got[1]) != `{"n":2}` || !bytesEqual(got[2], []byte{7, 8}) {
		t.Fatalf("event_sent %v", got)
	}

	id := c.ID() // "" once disconnected
	c.Disconnect()
	ev = ui.next(t, "socket_disconnected", aboutSocket(t, 1, "/", id))
	if reason := ev.str(t, 2); reason != socketio.ReasonClientNamespaceDisconnect {
		t.Fatalf("reason %q", reason)
	}
	isoTime(t, ev.str(t, 3))

	// Children of dynamic namespaces too.
	d := e.mustDial("/dyn-42", nil, client.WebSocket)
	ui.next(t, "socket_connected", func(ev event) bool {
		var ws wireSocket
		return ev.args.Decode(0, &ws) == nil && ws.ID == d.ID() && ws.Nsp == "/dyn-42"
	})
}

// TestDisconnectLeavesRooms: a socket that goes is reported out of each
// of its rooms (its own id room included), so the UI's rooms page empties.
func TestDisconnectLeavesRooms(t *testing.T) {
	e := newEnv(t, creds, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) { s.Join("lobby") })
	})
	ui := e.admin()
	c := e.mustDial("/", nil, client.WebSocket)
	ui.next(t, "room_joined", aboutSocket(t, 2, "/", c.ID()))
	id := c.ID() // "" once disconnected
	c.Manager().Close()
	left := map[string]bool{}
	for len(left) < 2 {
		left[ui.next(t, "room_left", aboutSocket(t, 2, "/", id)).str(t, 1)] = true
	}
	if !left["lobby"] || !left[id] {
		t.Fatalf("rooms left: %v", left)
	}
	ui.next(t, "socket_disconnected", aboutSocket(t, 1, "/", id))
}

// TestUpgradeReported: a socket connected over polling that then
// upgrades is reported on WebSocket (at the next stats tick).
func TestUpgradeReported(t *testing.T) {
	e := newEnv(t, creds, nil)
	ui := e.admin()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := siotest.Dial(ctx, e.url+"/socket.io/", eiotest.ModePolling)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	id, err := c.Connect("/", "", wait)
	if err != nil {
		t.Fatal(err)
	}
	var ws wireSocket
	ui.next(t, "socket_connected").arg(t, 0, &ws)
	if ws.ID != id || ws.Transport != "polling" {
		t.Fatalf("socket_connected %s, want %s on polling", asJSON(ws), id)
	}
	if err := c.EIO.Upgrade(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var upd map[string]any
	ui.next(t, "socket_updated").arg(t, 0, &upd)
	if upd["id"] != id || upd["nsp"] != "/" || upd["transport"] != "websocket" {
		t.Fatalf("socket_updated %v", upd)
	}
}

// TestProductionMode: stats only, nothing per socket.
func TestProductionMode(t *testing.T) {
	opts := creds
	opts.Mode = admin.Production
	e := newEnv(t, opts, nil)
	ui := e.admin()
	ui.next(t, "server_stats")
	c := e.mustDial("/", nil, client.WebSocket)
	_ = c.Emit("hello")
	var st stats
	ui.next(t, "server_stats", func(ev event) bool {
		return ev.args.Decode(0, &st) == nil && len(st.Namespaces) == 1 && st.Namespaces[0].SocketsCount == 1
	})
	for _, name := range []string{"all_sockets", "socket_connected", "event_received"} {
		ui.none(t, name)
	}
}

// TestAttachAfterClients: sockets connected before Attach are listed and
// watched like the others.
func TestAttachAfterClients(t *testing.T) {
	io := socketio.NewServer(nil)
	ts := httptestServer(t, io)
	c, err := client.New(ts+"/", &client.Options{Transports: []string{client.WebSocket}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Manager().Close()
	c.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	adm, err := admin.Attach(io, creds)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	e := &env{t: t, io: io, adm: adm, url: ts}
	ui := e.admin()
	var list []wireSocket
	ui.next(t, "all_sockets").arg(t, 0, &list)
	if len(list) != 1 || list[0].ID != c.ID() {
		t.Fatalf("all_sockets %s", asJSON(list))
	}
	_ = c.Emit("late")
	if got := ui.next(t, "event_received").str(t, 1); got != c.ID() {
		t.Fatalf("event_received from %s", got)
	}
}

// TestClose: Close disconnects the UIs and refuses new ones; the other
// sockets carry on.
func TestClose(t *testing.T) {
	e := newEnv(t, creds, nil)
	ui := e.admin()
	c := e.mustDial("/", nil, client.WebSocket)
	if err := e.adm.Close(); err != nil {
		t.Fatal(err)
	}
	if reason := <-ui.gone; reason != client.ReasonServerDisconnect {
		t.Fatalf("UI disconnected with %q", reason)
	}
	_, err := e.dial("/admin", map[string]any{"username": "admin", "password": "s3cret"})
	var ce *client.ConnectError
	if !errors.As(err, &ce) || ce.Message != "admin closed" {
		t.Fatalf("a UI after Close: %v", err)
	}
	if !c.Connected() {
		t.Fatal("a client was disconnected by Close")
	}
}

// TestSessionsBounded: at most 64 session ids are kept; the oldest goes
// first.
func TestSessionsBounded(t *testing.T) {
	e := newEnv(t, creds, nil)
	var ids []string
	for range 65 {
		ui := e.admin()
		ids = append(ids, ui.next(t, "session").str(t, 0))
		_ = ui.Manager().Close()
	}
	if _, err := e.dial("/admin", map[string]any{"sessionId": ids[0]}); err == nil {
		t.Error("the oldest session id is still accepted")
	}
	e.mustDial("/admin", map[string]any{"sessionId": ids[1]})
	e.mustDial("/admin", map[string]any{"sessionId": ids[64]})
}
