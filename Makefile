# tessera — the two set-up commands are `make run` and `make test`.
CARGO ?= cargo

.PHONY: run build test deps deps-readme fmt lint unit clients deploy-check image image-local bench clean

## Build in release mode and serve on 127.0.0.1:3000 with the embedded database.
run:
	$(CARGO) run --release --locked -p tessera-bootstrap --bin tessera -- serve

## Build the release binary (target/release/tessera).
build:
	$(CARGO) build --release --locked -p tessera-bootstrap --bin tessera

## Every check: the system packages first (installed when it can, else the command to run),
## formatting, lints (warnings are errors), all tests, the deployment files.
test: deps deps-readme fmt lint unit deploy-check

## The system packages the checks need (scripts/deps.sh holds the one list).
deps:
	bash scripts/deps.sh

## README's apt-get line names exactly the packages scripts/deps.sh knows.
deps-readme:
	bash scripts/deps.sh --check-readme

fmt:
	$(CARGO) fmt --all --check

lint:
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

unit: clients
	bash scripts/test-cluster.sh $(CARGO) test --locked --workspace

## The MCP SDKs that tests/e2e/tests/sdk_journeys.rs drives (needs node, npm and python3):
## `npm ci` in tests/clients/typescript, and tests/clients/python/.venv from the hash-pinned
## requirements.txt (rebuilt from scratch when it changes). Nothing to do when up to date.
CLIENTS_TS := tests/clients/typescript
CLIENTS_PY := tests/clients/python
PYTHON ?= python3

clients: $(CLIENTS_TS)/node_modules/.package-lock.json $(CLIENTS_PY)/.venv/.installed \
	$(CLIENTS_PY)/.venv-v1/.installed

$(CLIENTS_TS)/node_modules/.package-lock.json: $(CLIENTS_TS)/package.json $(CLIENTS_TS)/package-lock.json
	cd $(CLIENTS_TS) && npm ci --no-audit --no-fund
	touch $@

$(CLIENTS_PY)/.venv/.installed: $(CLIENTS_PY)/requirements.txt
	rm -rf $(CLIENTS_PY)/.venv
	$(PYTHON) -m venv $(CLIENTS_PY)/.venv
	$(CLIENTS_PY)/.venv/bin/pip install --quiet --require-hashes -r $(CLIENTS_PY)/requirements.txt
	touch $@

## The 1.x line of the Python SDK, which most deployed clients still embed.
$(CLIENTS_PY)/.venv-v1/.installed: $(CLIENTS_PY)/requirements-v1.txt
	rm -rf $(CLIENTS_PY)/.venv-v1
	$(PYTHON) -m venv $(CLIENTS_PY)/.venv-v1
	$(CLIENTS_PY)/.venv-v1/bin/pip install --quiet --require-hashes -r $(CLIENTS_PY)/requirements-v1.txt
	touch $@

## Render, schema-validate (strict) and security-lint deploy/, and check and unit-test its alerts
## and dashboard against the exported metrics (see deploy/README.md, Checks).
deploy-check:
	bash deploy/check.sh

## The container image from deploy/Containerfile (podman, buildah or docker); IMAGE names it.
image:
	bash deploy/image.sh containerfile

## Without registry access for the base images: the host-built binary on a scratch image.
image-local:
	bash deploy/image.sh local

## Benchmarks (not part of test): release build, seeded PostgreSQL, tests/load, pgbench and
## a bare actix-web floor; writes docs/benchmarks.md (see that file).
bench:
	bash bench/run.sh

clean:
	$(CARGO) clean
