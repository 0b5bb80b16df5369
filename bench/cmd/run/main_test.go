//go:build linux

package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const doc = "# Benchmarks\n\n## Machine\n\nm\n\n## Connection rate\n\nc\n\n## Every run\n\nr\n\n## How it is measured\n\nh\n"

func TestSections(t *testing.T) {
	if got := section(doc, "## Connection rate\n"); got != "## Connection rate\n\nc\n\n" {
		t.Errorf("section = %q", got)
	}
	if got := section(doc, "## How it is measured\n"); got != "## How it is measured\n\nh\n" {
		t.Errorf("last section = %q", got)
	}
	if section(doc, "## Wire options\n") != "" || section("x## Machine\n", "## Machine\n") != "" {
		t.Error("found a section that is not there")
	}
	wire := "## Wire options\n\nw1\n\n"
	in := insertSection(doc, wire)
	if !strings.Contains(in, "c\n\n## Wire options\n\nw1\n\n## Every run\n") {
		t.Errorf("insertSection:\n%s", in)
	}
	re := replaceSection(in, "## Wire options\n\nw2\n\n")
	if strings.Contains(re, "w1") || !strings.Contains(re, "c\n\n## Wire options\n\nw2\n\n## Every run\n") {
		t.Errorf("replaceSection:\n%s", re)
	}
	if got := replaceSection(doc, wire); got != in {
		t.Errorf("replaceSection of a missing section does not insert it:\n%s", got)
	}
	if got := insertSection("# B\n", wire); got != "# B\n\n"+wire {
		t.Errorf("insertSection at the end: %q", got)
	}
}

func TestWirePlan(t *testing.T) {
	h := &harness{p: fullParams, scenarios: map[string]bool{"options": true}}
	vs := h.plan()
	if len(vs) != 8 {
		t.Fatalf("%d wire variants, want 8", len(vs))
	}
	keys := map[string]*variant{}
	for _, v := range vs {
		keys[v.key] = v
		if v.group != gWire || !slices.Equal(v.servers, []string{"ours", "node"}) {
			t.Errorf("%s: group %q, servers %v", v.key, v.group, v.servers)
		}
		if v.baseline != "" && keys[v.baseline] == nil {
			t.Errorf("%s: baseline %q is not an earlier variant", v.key, v.baseline)
		}
		if !v.wire.textPad {
			t.Errorf("%s: not padded with text", v.key)
		}
	}
	d := keys["opt-bcast-deflate"]
	if d == nil || d.size != 2048 || d.clients != 1000 || !slices.Contains(d.lgArgs, "-deflate") {
		t.Fatalf("opt-bcast-deflate: %+v", d)
	}
	if got := d.wire.serverArgs("ours"); !slices.Equal(got, []string{"-deflate", "-pad", "text"}) {
		t.Errorf("ours args %v", got)
	}
	if got := keys["opt-ack-msgpack"].wire.serverArgs("node"); !slices.Equal(got, []string{"--parser", "msgpack", "--pad", "text"}) {
		t.Errorf("node args %v", got)
	}
	if got := keys["opt-poll-off"].wire.serverArgs("ours"); !slices.Equal(got, []string{"-http-compression", "off", "-pad", "text"}) {
		t.Errorf("ours polling args %v", got)
	}
	ack := keys["opt-ack-json"]
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Wait() }()
	args := h.loadgenArgs(ack, &server{base: "http://x", cmd: cmd}, "sio")
	if !slices.Contains(args, "-payload") || !slices.Contains(args, "text") {
		t.Errorf("ack load generator args %v", args)
	}
}
