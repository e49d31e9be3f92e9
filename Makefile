# Thin wrapper: the real commands live in scripts/dev.sh (which needs no make).
.PHONY: run test setup lint lock
run:
	bash scripts/dev.sh run
test:
	bash scripts/dev.sh test
setup:
	bash scripts/dev.sh setup
lint:
	bash scripts/dev.sh lint
lock:
	bash scripts/dev.sh lock
