package mpack

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncodeVectors(t *testing.T) {
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		// socket.io-msgpack-parser's README: {type:2, nsp:"/", data:["hello","you"]}.
		{"readme example", AppendEvent(nil, false, 0, "hello", "you"),
			"83 a4 74 79 70 65 02 a3 6e 73 70 a1 2f a4 64 61 74 61 92 a5 68 65 6c 6c 6f a3 79 6f 75"},
		{"connect", AppendConnect(nil), "82 a4 74797065 00 a3 6e7370 a1 2f"},
		{"ping id 7", AppendPing(nil, 7, "ab"),
			"84 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a4 70696e67 a2 6162 a2 6964 07"},
		{"ping id 300", AppendPing(nil, 300, ""),
			"84 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a4 70696e67 a0 a2 6964 cd 012c"},
		{"ping id 2^32", AppendPing(nil, 1<<32, ""),
			"84 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a4 70696e67 a0 a2 6964 cf 0000000100000000"},
		{"credit 8", AppendCredit(nil, 8),
			"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a5 62646f6e65 08"},
		{"credit 200", AppendCredit(nil, 200),
			"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a5 62646f6e65 cc c8"},
		{"event ints", AppendEvent(nil, true, 1, "n", -1, -33, int64(-40000), uint64(70000), 1.5),
			"84 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 96 a1 6e ff d0 df d2 ffff63c0 ce 00011170 cb 3ff8000000000000 a2 6964 01"},
	}
	for _, c := range cases {
		if want := unhex(t, c.want); !bytes.Equal(c.got, want) {
			t.Errorf("%s:\n got % x\nwant % x", c.name, c.got, want)
		}
	}
}

func TestStrHeaders(t *testing.T) {
	for _, c := range []struct {
		n    int
		head string
	}{{0, "a0"}, {31, "bf"}, {32, "d9 20"}, {255, "d9 ff"}, {256, "da 0100"}, {2048, "da 0800"}, {65535, "da ffff"}, {65536, "db 00010000"}} {
		b := AppendStr(nil, strings.Repeat("a", c.n))
		head := unhex(t, c.head)
		if !bytes.HasPrefix(b, head) || len(b) != len(head)+c.n {
			t.Errorf("str of %d bytes: header % x, want % x", c.n, b[:min(len(b), 5)], head)
		}
		got, next, err := str(b, 0)
		if err != nil || len(got) != c.n || next != len(b) {
			t.Errorf("str of %d bytes reads back %d bytes (next %d, err %v)", c.n, len(got), next, err)
		}
	}
}

func TestDecodePacket(t *testing.T) {
	// Node's ack reply: socket.io builds {type, data, id} and adds nsp.
	p, err := DecodePacket(unhex(t, "84 a4 74797065 03 a4 64617461 91 a3 616263 a2 6964 cd 012c a3 6e7370 a1 2f"))
	if err != nil || p.Type != Ack || !p.HasID || p.ID != 300 || string(p.Nsp) != "/" || !bytes.Equal(p.Data, unhex(t, "91 a3 616263")) {
		t.Errorf("ack: %+v, %v", p, err)
	}
	// A CONNECT reply as notepack 2 writes it: pid undefined is fixext1 d4 00 00.
	p, err = DecodePacket(unhex(t, "83 a4 74797065 00 a4 64617461 82 a3 736964 a4 61626364 a3 706964 d4 0000 a3 6e7370 a1 2f"))
	if err != nil || p.Type != Connect || p.HasID || string(p.Nsp) != "/" {
		t.Errorf("connect reply: %+v, %v", p, err)
	}
	// CONNECT_ERROR with an object.
	p, err = DecodePacket(unhex(t, "83 a4 74797065 04 a4 64617461 81 a7 6d657373616765 a1 78 a3 6e7370 a1 2f"))
	if err != nil || p.Type != ConnectError {
		t.Errorf("connect error: %+v, %v", p, err)
	}
	// An id of undefined or nil is no id.
	for _, id := range []string{"c0", "d4 0000"} {
		p, err = DecodePacket(unhex(t, "83 a4 74797065 02 a2 6964 "+id+" a3 6e7370 a1 2f"))
		if err != nil || p.HasID || p.Type != Event {
			t.Errorf("id %s: %+v, %v", id, p, err)
		}
	}
	// Unknown keys and every skippable kind of value.
	skip := "8f" +
		"a4 74797065 02" +
		"a1 61 c3" + "a1 62 c2" + "a1 63 c0" + // bools, nil
		"a1 64 c4 02 0102" + "a1 65 c7 01 00 ff" + // bin8, ext8 (type 0)
		"a1 66 d7 00 0000000000000001" + "a1 67 c7 0c ff 000000000000000000000000" + // Date (fixext8 type 0), Timestamp (ext -1)
		"a1 68 de 0001 a1 6b 92 01 02" + "a1 69 dc 0002 cb 0000000000000000 ca 00000000" + // map16, array16, floats
		"a1 6a d9 03 616263" + "a1 6c d5 01 0203" + "a1 6d d6 01 01020304" + // str8, fixext2, fixext4
		"a3 6e7370 a1 2f" + "a2 6964 d3 0000000000000009"
	p, err = DecodePacket(unhex(t, skip))
	if err != nil || p.Type != Event || !p.HasID || p.ID != 9 || string(p.Nsp) != "/" {
		t.Errorf("skipping: %+v, %v", p, err)
	}
}

func TestEventInts(t *testing.T) {
	pad := "a3 787878"
	for name, nums := range map[string]string{
		"fixint":           "05 07",
		"uint8/16":         "cc 05 cd 0007",
		"uint32/64":        "ce 00000005 cf 0000000000000007",
		"int8/16/32/64":    "d0 05 d1 0007",
		"int32/64":         "d2 00000005 d3 0000000000000007",
		"float64":          "cb 4014000000000000 cb 401c000000000000",
		"float32":          "ca 40a00000 ca 40e00000",
		"uint64 send time": "cf 0000000000000005 07",
	} {
		data := unhex(t, "94 a5 6263617374 "+nums+" "+pad)
		a, c, ok := EventInts(data, "bcast")
		if !ok || a != 5 || c != 7 {
			t.Errorf("%s: %d, %d, %v", name, a, c, ok)
		}
	}
	// A realistic send time: 1.2e15 ns as uint64 and as float64.
	for _, ts := range []string{"cf 000443 5d 5ae9 e000", "cb 43110d5b8e2b0000"} {
		data := unhex(t, "94 a5 6263617374 "+ts+" cd 1234 "+pad)
		a, c, ok := EventInts(data, "bcast")
		if !ok || c != 0x1234 || a < 1e15 || a > 2e15 {
			t.Errorf("send time %s: %d, %d, %v", ts, a, c, ok)
		}
	}
	if _, _, ok := EventInts(unhex(t, "94 a4 70696e67 01 02 "+pad), "bcast"); ok {
		t.Error("another event's name matched")
	}
	if _, _, ok := EventInts(unhex(t, "92 a5 6263617374 01"), "bcast"); ok {
		t.Error("too short an array matched")
	}
	if _, _, ok := EventInts(unhex(t, "93 a5 6263617374 01 a1 78"), "bcast"); ok {
		t.Error("a string matched as a number")
	}
}

// Every truncation of a valid packet is an error, never a panic.
func TestTruncated(t *testing.T) {
	full := AppendEvent(nil, true, 1<<40, "bcast", uint64(1<<50), 1.5, strings.Repeat("p", 300), int64(-5))
	if _, err := DecodePacket(full); err != nil {
		t.Fatal(err)
	}
	for n := range len(full) {
		if _, err := DecodePacket(full[:n]); err == nil {
			t.Errorf("%d of %d bytes decoded without an error", n, len(full))
		}
	}
	for _, bad := range []string{"", "c1", "90", "81 01 02", "81 a4 74797065 a1 78"} {
		if _, err := DecodePacket(unhex(t, bad)); err == nil {
			t.Errorf("% s decoded without an error", bad)
		}
	}
}

// TestAgainstNodeParser round-trips through socket.io-msgpack-parser 3.0.2
// (bench/node/node_modules): node decodes what this package writes, and
// this package decodes what node writes. Skipped without node or the
// packages (npm ci --prefix bench/node).
func TestAgainstNodeParser(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir, _ := filepath.Abs("../../node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-msgpack-parser", "package.json")); err != nil {
		t.Skip("bench/node/node_modules has no socket.io-msgpack-parser (npm ci --prefix bench/node)")
	}
	ours := []string{
		hex.EncodeToString(AppendConnect(nil)),
		hex.EncodeToString(AppendPing(nil, 70000, strings.Repeat("t", 2048))),
		hex.EncodeToString(AppendCredit(nil, 12)),
	}
	script := `
const parser = require('socket.io-msgpack-parser');
const inputs = JSON.parse(process.argv[1]);
const decoded = inputs.map((h) => {
  let out;
  const d = new parser.Decoder();
  d.on('decoded', (p) => { out = p; });
  d.add(Buffer.from(h, 'hex'));
  return out;
});
const enc = new parser.Encoder();
const hexOf = (p) => enc.encode(p)[0].toString('hex');
const written = [
  hexOf({ type: 0, data: { sid: 'abcdefghijklmnopqrst', pid: undefined }, nsp: '/' }),
  hexOf({ type: 3, data: ['x'.repeat(2048)], id: 70000, nsp: '/' }),
  hexOf({ type: 2, data: ['bcast', 1234567890123456, 42, 'pad'], nsp: '/' }),
  hexOf({ type: 2, data: ['bcast', 1234567890123456.5, 4294967296, 'pad'], nsp: '/' }),
  hexOf({ type: 4, data: { message: 'no' }, nsp: '/' }),
];
process.stdout.write(JSON.stringify({ decoded, written }));
`
	cmd := exec.Command(node, "-e", script, mustJSON(ours))
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var res struct {
		Decoded []map[string]any `json:"decoded"`
		Written []string         `json:"written"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	// What node made of ours.
	if d := res.Decoded[0]; d["type"] != 0.0 || d["nsp"] != "/" {
		t.Errorf("CONNECT decoded by node as %v", d)
	}
	if d := res.Decoded[1]; d["type"] != 2.0 || d["id"] != 70000.0 || d["nsp"] != "/" ||
		len(d["data"].([]any)) != 2 || d["data"].([]any)[0] != "ping" || d["data"].([]any)[1] != strings.Repeat("t", 2048) {
		t.Errorf("ping decoded by node as type %v id %v nsp %v", d["type"], d["id"], d["nsp"])
	}
	if d := res.Decoded[2]; d["type"] != 2.0 || d["id"] != nil || d["data"].([]any)[0] != "bdone" || d["data"].([]any)[1] != 12.0 {
		t.Errorf("credit decoded by node as %v", d)
	}
	// What ours makes of node's.
	dec := func(i int) Packet {
		p, err := DecodePacket(unhex(t, res.Written[i]))
		if err != nil {
			t.Fatalf("node packet %d (%s): %v", i, res.Written[i], err)
		}
		return p
	}
	if p := dec(0); p.Type != Connect || string(p.Nsp) != "/" {
		t.Errorf("node's CONNECT reply: %+v", p)
	}
	if p := dec(1); p.Type != Ack || !p.HasID || p.ID != 70000 {
		t.Errorf("node's ack: %+v", p)
	}
	if p := dec(2); p.Type != Event {
		t.Errorf("node's broadcast: %+v", p)
	} else if a, c, ok := EventInts(p.Data, "bcast"); !ok || a != 1234567890123456 || c != 42 {
		t.Errorf("node's broadcast numbers: %d, %d, %v", a, c, ok)
	}
	if p := dec(3); p.Type != Event {
		t.Errorf("node's broadcast (float): %+v", p)
	} else if a, c, ok := EventInts(p.Data, "bcast"); !ok || a != 1234567890123456 || c != 1<<32 {
		t.Errorf("node's broadcast numbers (float, uint64): %d, %d, %v", a, c, ok)
	}
	if p := dec(4); p.Type != ConnectError {
		t.Errorf("node's CONNECT_ERROR: %+v", p)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
