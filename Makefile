# The two commands a new user needs (see README.md):
#   make run    # the conformance/echo server on 127.0.0.1:3000
#   make test   # every test: installs the Node interop packages, then go test -race ./...

.PHONY: test run deps

deps:
	npm ci --prefix interop --no-audit --no-fund
	npm ci --prefix chi_example --no-audit --no-fund

test: deps
	go vet ./...
	go test -race -count=1 ./...

run:
	go run ./cmd/conformance -addr 127.0.0.1:3000
