# The two commands a newcomer needs (see README.md).
.PHONY: demo test

demo:
	cargo run --example quickstart

test:
	bash .ci/test.sh
