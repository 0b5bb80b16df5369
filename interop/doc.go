// Package interop holds the interoperability tests that drive the official
// JavaScript clients (engine.io-client 6, later socket.io-client 4) from Node
// against this module's Go server.
//
// The Node scenarios live in eio/ (one ES module per scenario, see eio/lib.js
// for their common contract). The Go tests start an echo server with
// httptest, run each scenario for each transport mode with node, and check
// both the script's JSON result and what the server saw.
//
// Setup, once (and whenever package-lock.json changes):
//
//	npm ci --prefix interop
//
// Then:
//
//	go test -race ./interop/ -v -count=1
//
// Set INTEROP_DEBUG=1 to run node with DEBUG=engine.io-client:* (very
// verbose client traces on stderr, shown for failing scenarios).
package interop
