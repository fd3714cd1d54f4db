# The two commands a newcomer needs (see README.md).
.PHONY: demo test bench-seats bench-bindings bench-keygen install

demo:
	cargo run --example quickstart

test:
	bash .ci/test.sh

# The seat store under load, beside pgbench, on a throwaway PostgreSQL
# (docs/PERFORMANCE.md, "The seat store").
bench-seats:
	bash .ci/bench-seats.sh

# issue --batch of 10,000 rows beside the sign+verify floor (docs/PERFORMANCE.md).
bench-keygen:
	bash .ci/bench-keygen.sh

# Per-call figures of every binding in one run (docs/PERFORMANCE.md "Bindings").
bench-bindings:
	bash .ci/bench-bindings.sh

# The C library, its header and licman.pc: make install PREFIX=/usr/local
# (DESTDIR for staging). See bindings/c/README.md.
PREFIX ?= /usr/local
install:
	bash bindings/c/install.sh "$(PREFIX)"
