//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gosio/socketio/bench/internal/proto"
)

// server is one running bench server process.
type server struct {
	kind      string
	cmd       *exec.Cmd
	base      string // http://127.0.0.1:port
	pprofBase string // ours with -profile: http://127.0.0.1:port
	logPath   string
	done      chan struct{}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// pinned prefixes argv with taskset when -pin asks for it.
func (h *harness) pinned(cpu string, argv []string) []string {
	if h.pin && h.taskset != "" {
		return append([]string{h.taskset, "-c", cpu}, argv...)
	}
	return argv
}

// errUnavailable is a server that exits at start because this build lacks
// an option it was asked for (bench/server/options.go says "option X not
// available in this build"): the harness reports it as not run, not as
// failed.
var errUnavailable = errors.New("not available in this build")

// startServer starts a fresh server of kind for variant v (its wire
// options and environment) and waits until it answers.
func (h *harness) startServer(v *variant, kind string, withPprof bool) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s := &server{kind: kind, base: "http://" + addr, done: make(chan struct{})}
	pprofAddr := ""
	if withPprof && kind == "ours" {
		pp, err := freePort()
		if err != nil {
			return nil, err
		}
		pprofAddr = fmt.Sprintf("127.0.0.1:%d", pp)
		s.pprofBase = "http://" + pprofAddr
	}
	if s.cmd, err = h.serverCmd(v, kind, addr, pprofAddr); err != nil {
		return nil, err
	}
	s.logPath = filepath.Join(h.tmp, fmt.Sprintf("%s-%d.log", kind, port))
	logf, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := s.rss(false); err == nil {
			return s, nil
		}
		select {
		case <-s.done:
			if line := grepLine(s.logPath, errUnavailable.Error()); line != "" {
				return nil, fmt.Errorf("%w: %s", errUnavailable, line)
			}
			return nil, fmt.Errorf("%s server exited at start: %s", kind, tail(s.logPath, 10))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s server did not answer within 30s: %s", kind, tail(s.logPath, 10))
		}
	}
}

// serverCmd is the command of a server of kind listening on addr for
// variant v: its wire options as flags and, for ours, -server-env's
// settings then the variant's own in its environment (the last of a name
// wins). pprofAddr, for ours only, serves pprof.
func (h *harness) serverCmd(v *variant, kind, addr, pprofAddr string) (*exec.Cmd, error) {
	var argv []string
	dir := h.root
	switch kind {
	case "ours":
		argv = []string{filepath.Join(h.bin, "server"), "-addr", addr}
		if pprofAddr != "" {
			argv = append(argv, "-pprof", pprofAddr)
		}
	case "raw":
		argv = []string{filepath.Join(h.bin, "raw"), "-addr", addr}
	case "node":
		_, port, _ := strings.Cut(addr, ":")
		dir = filepath.Join(h.root, "bench", "node")
		argv = []string{h.node, "--expose-gc", "server.js", "--port", port, "--host", "127.0.0.1"}
	default:
		return nil, fmt.Errorf("unknown server %q", kind)
	}
	argv = h.pinned(h.serverCPUs, append(argv, v.wire.serverArgs(kind)...))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	// Each server in a session of its own: with the kernel's autogroups
	// (sched_autogroup_enabled, the default) two servers sharing a core
	// then get half of it each when both are busy, whatever their thread
	// counts. In one session the scheduler shares the core per thread, and
	// a server that hands its P off in every syscall (more threads
	// runnable) got up to 70 % of it against 30 % for one that does not,
	// so the paired runs compared two servers at very different loads
	// (docs/architecture.md, "Sharing the servers' core"). Pdeathsig: a
	// server out of the harness's session would outlive its Ctrl-C.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGTERM}
	if env := append(slices.Clone(h.serverEnv), v.env...); kind == "ours" && len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	return cmd, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop ends the server: SIGTERM, then SIGKILL after 5s.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

var controlClient = &http.Client{Timeout: 30 * time.Second}

// rss asks the server for its memory (after a GC when gc).
func (s *server) rss(gc bool) (*proto.RSSReply, error) {
	u := s.base + "/control/rss"
	if gc {
		u += "?gc=1"
	}
	resp, err := controlClient.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("rss: %s", resp.Status)
	}
	var r proto.RSSReply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

// fetch saves url's body to path (pprof profiles).
func fetch(url, path string) error {
	c := &http.Client{Timeout: 5 * time.Minute}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// grepLine returns the first line of a file that holds s, from s's
// sentence on ("option -deflate not available in this build" out of a
// log line), or "".
func grepLine(path, s string) string {
	b, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, s) {
			if i := strings.Index(line, "option "); i >= 0 {
				line = line[i:]
			}
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// tail returns the last n lines of a file, on one line.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// loadgen is one running load generator process.
type loadgen struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout bytes.Buffer
	mu     sync.Mutex
	last   []string // last stderr lines, for error messages
	ready  chan int // the READY count, once
	waitCh chan error
}

// startLoadgen runs the load generator with args; every stderr line is
// logged when verbose and passed to onLine (PHASE markers), if not nil.
func (h *harness) startLoadgen(ctx context.Context, args []string, onLine func(string)) (*loadgen, error) {
	argv := h.pinned(h.loadgenCPUs, append([]string{filepath.Join(h.bin, "loadgen")}, args...))
	lg := &loadgen{ready: make(chan int, 1), waitCh: make(chan error, 1)}
	lg.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
	lg.cmd.Stdout = &lg.stdout
	stderr, err := lg.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if lg.stdin, err = lg.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if h.verbose {
		fmt.Fprintf(os.Stderr, "    $ %s\n", strings.Join(argv, " "))
	}
	if err := lg.cmd.Start(); err != nil {
		return nil, err
	}
	scanDone := make(chan struct{})
	go func() {
		defer close(scanDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if h.verbose {
				fmt.Fprintf(os.Stderr, "    | %s\n", line)
			}
			lg.mu.Lock()
			lg.last = append(lg.last, line)
			if len(lg.last) > 8 {
				lg.last = lg.last[1:]
			}
			lg.mu.Unlock()
			if rest, ok := strings.CutPrefix(line, "READY "); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					n, _ := strconv.Atoi(f[0])
					select {
					case lg.ready <- n:
					default:
					}
				}
			}
			if onLine != nil {
				onLine(line)
			}
		}
	}()
	go func() {
		<-scanDone
		lg.waitCh <- lg.cmd.Wait()
	}()
	return lg, nil
}

// result waits for the load generator to exit and parses its result.
func (lg *loadgen) result() (*proto.Result, error) {
	err := <-lg.waitCh
	lg.mu.Lock()
	last := strings.Join(lg.last, " | ")
	lg.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("loadgen: %v: %s", err, last)
	}
	var r proto.Result
	if err := json.Unmarshal(lg.stdout.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("loadgen output: %v: %s", err, last)
	}
	return &r, nil
}

// waitReady waits for the "READY <connected> <errors>" line.
func (lg *loadgen) waitReady(timeout time.Duration) (int, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case n := <-lg.ready:
		return n, nil
	case err := <-lg.waitCh:
		lg.waitCh <- err // for result()
		return 0, fmt.Errorf("loadgen ended before READY (%v)", err)
	case <-t.C:
		return 0, errors.New("no READY in time")
	}
}
