package interop

import (
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMakeRun: `make run ADDR=...` serves the chat from the binary it
// builds, and stopping make stops the server: SIGTERM to make alone (a
// process manager, an editor's stop button) and SIGINT to its process
// group (Ctrl-C in a terminal) both end with the server's graceful
// "stopped", nothing left in the process group and the port closed.
func TestMakeRun(t *testing.T) {
	makePath, err := exec.LookPath("make")
	if err != nil {
		t.Fatalf("make is not in PATH (%v): install it (apt-get install make)", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		sig   syscall.Signal
		group bool
	}{
		{"SIGTERM to make", syscall.SIGTERM, false},
		{"SIGINT to the group", syscall.SIGINT, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			cmd := exec.Command(makePath, "--no-print-directory", "run", "ADDR="+addr,
				"CHAT_BIN="+filepath.Join(t.TempDir(), "chi_example"))
			cmd.Dir = root
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a group of its own, as a terminal's job
			// One pipe for make's and the server's output: it reads to
			// EOF only once every process holding it has exited.
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stdout, cmd.Stderr = w, w
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			pgid := cmd.Process.Pid
			logs := &brLog{watch: "chat on http://" + addr, found: make(chan string, 1)}
			consumed := make(chan struct{})
			go logs.consume(r, consumed)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			done := false
			t.Cleanup(func() {
				_ = syscall.Kill(-pgid, syscall.SIGKILL) // what is left of the group this test started
				if !done {
					<-exited
				}
				r.Close()
			})

			select {
			case <-logs.found:
			case err := <-exited:
				done = true
				t.Fatalf("make run exited before serving: %v\n%s", err, logs)
			case <-time.After(3 * time.Minute):
				t.Fatalf("make run did not serve within 3 minutes:\n%s", logs)
			}
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}
			resp, err := hc.Get("http://" + addr + "/")
			if err != nil {
				t.Fatalf("GET /: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /: %d", resp.StatusCode)
			}

			if tc.group {
				err = syscall.Kill(-pgid, tc.sig)
			} else {
				err = cmd.Process.Signal(tc.sig)
			}
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
				done = true
			case <-time.After(30 * time.Second):
				t.Fatalf("make still running 30s after %v:\n%s", tc.sig, logs)
			}
			select {
			case <-consumed:
			case <-time.After(10 * time.Second):
				t.Fatalf("make exited but its output is still open (an orphaned server?):\n%s", logs)
			}
			if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("the process group still has members after make exited (kill -0: %v):\n%s", err, logs)
			}
			if !strings.Contains(logs.String(), "stopped") {
				t.Errorf("the server did not finish its shutdown:\n%s", logs)
			}
			if c, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
				c.Close()
				t.Errorf("%s still accepts connections after make exited", addr)
			}
		})
	}
}
