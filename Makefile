# tessera — the two set-up commands are `make run` and `make test`.
CARGO ?= cargo

.PHONY: run build test fmt lint unit clean

## Build in release mode and serve on 127.0.0.1:3000 with the embedded database.
run:
	$(CARGO) run --release --locked -p tessera-bootstrap --bin tessera -- serve

## Build the release binary (target/release/tessera).
build:
	$(CARGO) build --release --locked -p tessera-bootstrap --bin tessera

## Every check: formatting, lints (warnings are errors), all tests.
test: fmt lint unit

fmt:
	$(CARGO) fmt --all --check

lint:
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --locked --workspace

clean:
	$(CARGO) clean
