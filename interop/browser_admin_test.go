package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosio/socketio/client"
)

// TestBrowserAdminUI: the official admin UI (npm @socket.io/admin-ui
// 0.5.1, its prebuilt ui/dist served by chi_example at /admin/) in
// headless Chromium against chi_example's admin namespace (package admin,
// enabled by -admin-password), with two Go clients in the chat. The UI
// refuses a wrong password with its "Invalid credentials", logs in, lists
// both clients on its sockets page, makes one join a room with its socket
// page's form (the rooms page then shows the room with one socket),
// disconnects the other with its button, lists these on its events page
// with the chat's announcement sent to the first client, and shows this
// server on its servers page (browser/admin.mjs).
func TestBrowserAdminUI(t *testing.T) {
	root := brRequire(t)
	node, dir := findNode(t, "playwright-core")
	ui := filepath.Join(root, "chi_example", "node_modules", "@socket.io", "admin-ui", "ui", "dist", "index.html")
	if _, err := os.Stat(ui); err != nil {
		t.Fatalf("the admin UI is missing (%v): run `npm ci --prefix chi_example` from the repository root (make deps does this)", err)
	}
	url, stop := brStartChat(t, root, "-admin-user", "ops", "-admin-password", "correct horse")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dial := func() (*client.Socket, chan string) {
		s, err := client.New(url, &client.Options{Transports: []string{client.WebSocket}, DisableReconnection: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		gone := make(chan string, 1)
		s.OnDisconnect(func(reason string) { gone <- reason })
		s.Connect()
		if err := s.WaitConnected(ctx); err != nil {
			t.Fatalf("chat client: %v", err)
		}
		return s, gone
	}
	alice, _ := dial()
	defer alice.Manager().Close()
	bob, bobGone := dial()
	defer bob.Manager().Close()
	aliceID, bobID := alice.ID(), bob.ID()

	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "browser", "admin.mjs"), url,
		"--user=ops", "--password=correct horse", "--wrong=incorrect",
		"--expect="+aliceID+","+bobID, "--join="+aliceID, "--room=vip", "--kick="+bobID, "--clients=2",
		"--chromium="+chromiumPath(), "--timeout=120000")
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("node browser/admin.mjs: %v\n--- stderr ---\n%s\n--- stdout ---\n%s", err, stderr.String(), stdout.String())
	}
	t.Logf("browser/admin.mjs in %v: %s", time.Since(start).Round(time.Millisecond), bytes.TrimSpace(stdout.Bytes()))
	var res struct {
		LoginError   string     `json:"loginError"`
		Sockets      [][]string `json:"sockets"`
		SocketRooms  [][]string `json:"socketRooms"`
		Rooms        [][]string `json:"rooms"`
		SocketsAfter [][]string `json:"socketsAfter"`
		Events       [][]string `json:"events"`
		Servers      [][]string `json:"servers"`
		Errors       []string   `json:"errors"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		t.Fatalf("result %q: %v", stdout.String(), err)
	}
	if res.LoginError != "Invalid credentials" {
		t.Errorf("wrong password: the form shows %q, want Invalid credentials", res.LoginError)
	}
	// The sockets page: #, address, transport (then the actions column).
	ids := firstCells(res.Sockets)
	slices.Sort(ids)
	if want := sorted(aliceID, bobID); !slices.Equal(ids, want) {
		t.Errorf("sockets page lists %q, want %q (the chat's two clients, not the UI itself)", ids, want)
	}
	for _, row := range res.Sockets {
		if len(row) < 3 || row[1] != "127.0.0.1" || !strings.EqualFold(row[2], "websocket") {
			t.Errorf("sockets page row %q: want address 127.0.0.1, transport WebSocket", row)
		}
	}
	if !slices.Contains(firstCells(res.SocketRooms), "vip") {
		t.Errorf("the socket page's rooms %q lack vip", res.SocketRooms)
	}
	// The rooms page: name, type, number of sockets.
	if len(res.Rooms) != 1 || len(res.Rooms[0]) < 3 || res.Rooms[0][0] != "vip" || res.Rooms[0][2] != "1" {
		t.Errorf("rooms page %q, want vip with 1 socket", res.Rooms)
	}
	if got := firstCells(res.SocketsAfter); !slices.Equal(got, []string{aliceID}) {
		t.Errorf("sockets page after the disconnection: %q, want %q", got, aliceID)
	}
	select {
	case reason := <-bobGone:
		if reason != client.ReasonServerDisconnect {
			t.Errorf("the kicked client: %q, want %q", reason, client.ReasonServerDisconnect)
		}
	case <-time.After(10 * time.Second):
		t.Error("the kicked client was not disconnected")
	}
	if !alice.Connected() {
		t.Error("the other client was disconnected")
	}
	// The events page: timestamp, socket, type, details.
	wantEvents := [][]string{
		{aliceID, "Room joined", "Room: vip"},
		{bobID, "Disconnection", "Reason: server namespace disconnect"},
		{aliceID, "Event sent", "Event name: message"},
	}
	for _, w := range wantEvents {
		if !slices.ContainsFunc(res.Events, func(r []string) bool { return len(r) >= 4 && slices.Equal(r[1:4], w) }) {
			t.Errorf("events page %q has no row %q", res.Events, w)
		}
	}
	// The servers page: server id (the host name), host name, pid, uptime,
	// clients (the script waits for 2: the chat client left and the UI;
	// the kicked client's connection closes: its only socket is gone).
	host, _ := os.Hostname()
	if len(res.Servers) != 1 || len(res.Servers[0]) < 5 || res.Servers[0][0] != host || res.Servers[0][4] != "2" {
		t.Errorf("servers page %q, want one row: %s ... 2 clients", res.Servers, host)
	}
	if len(res.Errors) != 0 {
		t.Errorf("page errors: %q", res.Errors)
	}
	alice.Manager().Close()
	stop()
}

func firstCells(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		if len(r) > 0 {
			out = append(out, r[0])
		}
	}
	return out
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}
