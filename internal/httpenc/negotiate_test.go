package httpenc

import (
	"math"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// negotiateCases were answered by Node: accepts 1.3.8 (negotiator 0.6.3,
// what engine.io 6 and socket.io 4 depend on), as
// accepts(req).encodings(["gzip", "deflate"]) (the polling transport)
// and accepts(req).encodings(["br", "gzip", "deflate"]) (client files in
// Node), false written as "". The first row is a request without the
// header.
var negotiateCases = []struct{ header, gzipDeflate, brGzipDeflate string }{
	{"", "", ""},
	{"gzip", "gzip", "gzip"},
	{"deflate", "deflate", "deflate"},
	{"gzip, deflate", "gzip", "gzip"},
	{"deflate, gzip", "deflate", "deflate"},
	{"gzip;q=0, deflate", "deflate", "deflate"},
	{"identity", "", ""},
	{"*", "gzip", "br"},
	{"br", "", "br"},
	{"br, gzip", "gzip", "br"},
	{"gzip, deflate, br, zstd", "gzip", "gzip"},
	{"gzip, deflate, br", "gzip", "gzip"},
	{"identity;q=0", "", ""},
	{"*;q=0", "", ""},
	{"*;q=0, gzip", "gzip", "gzip"},
	{"*, gzip;q=0", "deflate", "br"},
	{"gzip;q=0.5, deflate;q=0.8", "deflate", "deflate"},
	{"deflate;q=0.5, gzip;q=0.5", "deflate", "deflate"},
	{"GZIP", "gzip", "gzip"},
	{"Deflate", "deflate", "deflate"},
	{"gzip;q=0.001", "gzip", "gzip"},
	{"gzip;q=1.0, *;q=0.5", "gzip", "gzip"},
	{"*;q=0.5, deflate", "deflate", "deflate"},
	{"gzip;q=, deflate", "deflate", "deflate"},
	{"gzip;q=abc, deflate;q=0.1", "deflate", "deflate"},
	{"gzip;q", "", ""},
	{"gzip ;q=0.5, deflate;q=0.4", "gzip", "gzip"},
	{"gzip x, deflate", "deflate", "deflate"},
	{",,gzip", "gzip", "gzip"},
	{" , deflate ,", "deflate", "deflate"},
	{"x-gzip", "", ""},
	{"gzip;level=1;q=0.2, deflate;q=0.1", "gzip", "gzip"},
	{"gzip;Q=0, deflate", "gzip", "gzip"},
	{"gzip; q=0, deflate", "deflate", "deflate"},
	{"gzip;q =0, deflate", "gzip", "gzip"},
	{"gzip;q= 0.3, deflate;q=0.2", "gzip", "gzip"},
	{"gzip;q=0.5e1, deflate", "gzip", "gzip"},
	{"gzip;q=-1, deflate", "deflate", "deflate"},
	{"gzip;q=Infinity, deflate", "gzip", "gzip"},
	{"gzip, gzip;q=0", "gzip", "gzip"},
	{"gzip;q=0, gzip", "gzip", "gzip"},
	{"*, deflate;q=0.5", "gzip", "br"},
	{"deflate;q=0.5, *", "gzip", "br"},
	{"gzip;q=.5, deflate;q=0.4", "gzip", "gzip"},
	{"gzip;q=5., deflate;q=0.4", "gzip", "gzip"},
	{"compress, gzip", "gzip", "gzip"},
	{"identity, *;q=0", "", ""},
	{"br;q=1, gzip;q=0.9", "gzip", "br"},
	{"gzip;q=NaN, deflate;q=0.1", "deflate", "deflate"},
	{"*;q=NaN, deflate;q=0.1", "deflate", "deflate"},
	{"gzip;q=0x1, deflate;q=0.1", "deflate", "deflate"},
	{"gzip;q=1e-400, deflate", "deflate", "deflate"},
}

func TestNegotiateAsNode(t *testing.T) {
	for _, c := range negotiateCases {
		if got := Negotiate(c.header, "gzip", "deflate"); got != c.gzipDeflate {
			t.Errorf("Negotiate(%q, gzip, deflate) = %q, Node: %q", c.header, got, c.gzipDeflate)
		}
		if got := Negotiate(c.header, "br", "gzip", "deflate"); got != c.brGzipDeflate {
			t.Errorf("Negotiate(%q, br, gzip, deflate) = %q, Node: %q", c.header, got, c.brGzipDeflate)
		}
	}
}

func TestParseFloatPrefix(t *testing.T) {
	for s, want := range map[string]float64{"1": 1, " 0.5x": 0.5, ".5": 0.5, "5.": 5, "1e3": 1000, "1e": 1, "-2": -2, "+Infinity": math.Inf(1)} {
		if got := parseFloatPrefix(s); got != want {
			t.Errorf("parseFloatPrefix(%q) = %v, want %v", s, got, want)
		}
	}
	for _, s := range []string{"", "x", ".", "-", "e5", "NaN"} {
		if got := parseFloatPrefix(s); got == got {
			t.Errorf("parseFloatPrefix(%q) = %v, want NaN", s, got)
		}
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, c := range negotiateCases {
		f.Add(c.header)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got := Negotiate(h, "gzip", "deflate")
		if got != "" && got != "gzip" && got != "deflate" {
			t.Fatalf("Negotiate(%q) = %q", h, got)
		}
	})
}
