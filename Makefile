# Every target runs on the Node.js pinned in package.json (the `node` package puts
# Node 24 in node_modules/.bin), whatever the system's Node is.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
export KUBECONFIG ?= $(CURDIR)/.local/kubeconfig

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: deps
deps: node_modules/.installed ## Install the Node toolchain and libraries (npm ci)

.PHONY: lint
lint: deps ## Prettier, typescript-eslint (strict) and the type check
	npm run lint

.PHONY: cluster-up
cluster-up: ## Start a local Kubernetes API server and etcd (kubeconfig in .local/)
	bash hack/cluster/up.sh

.PHONY: cluster-down
cluster-down: ## Stop the local API server and etcd
	bash hack/cluster/down.sh

.PHONY: celcheck
celcheck: ## Compile every CEL rule of crds/ against the Kubernetes 1.30 CEL environment
	bash hack/cluster/celcheck.sh crds/*.yaml

.PHONY: sim
sim: deps ## Run the OpenStack simulator in the foreground (SIM_ARGS='--port 8774 ...')
	node hack/openstack-sim/main.ts $(SIM_ARGS)

.PHONY: test-tools
test-tools: ## Install what the tests drive from Debian: the OpenStack client and Lua 5.1
	bash hack/install-test-tools.sh

.PHONY: test
test: deps test-tools cluster-up celcheck ## Run the test suite against the local API server
	npm test -- $(if $(CI),--no-color)

.PHONY: bench
bench: bench-sim bench-emergency bench-vm ## Every benchmark; each prints its figures

.PHONY: bench-vm
bench-vm: deps cluster-up ## 200 VirtualMachines created at once: cloud and API-server calls per machine, time to Ready
	node test/bench/virtualmachine-create.ts 200

.PHONY: bench-emergency
bench-emergency: deps ## The emergency scenario at full scale: the time of each phase, and the cloud calls
	node hack/demo/main.ts --bench

.PHONY: bench-sim
bench-sim: deps ## The simulator at the scale of the real cloud: 12,000 servers on 300 hosts
	node hack/openstack-sim/bench.ts

.PHONY: demo
demo: deps ## The main job: the four elections-to-alerts scenarios on the embedded default, asserted
	node hack/demo/main.ts

.PHONY: up
up: deps ## Start the demo's environment in the background (API server, simulator, operator, samples)
	node hack/demo/up.ts

.PHONY: down
down: ## Stop what make up started
	node hack/demo/down.ts
