# The test command the README gives and CI runs.
.PHONY: test build install

test:
	go test -race -count=1 ./...

build:
	go build -o smshook ./cmd/smshook

install:
	go install ./cmd/smshook
