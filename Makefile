# SPDX-License-Identifier: GPL-2.0
#
#   make          build the modules against Debian's 6.12 headers (KDIR=...)
#   make demo     boot the test VM, load the modules, run the examples
#   make check    all tests: KUnit (UML and x86_64 SMP) and the VM suite
#   make bench    benchmarks against the kernel's own mechanisms (one VM boot)
#   make stress   the long stress and fuzz runs, on the stock and debug kernels
#   make docs     Documentation/ as HTML in build/html (Sphinx + kernel-doc)
#   make mutate   mutation testing: the bugs of scripts/mutations.txt, one at
#                 a time, against the suites (ONLY="id ..." for some)
#
# The kernel build itself is driven by ./Kbuild.

# Debian's plain 6.12 headers (scripts/kdir.sh); make KDIR=... for another.
KDIR ?= $(shell bash scripts/kdir.sh)
export KDIR

.PHONY: all modules clean deps demo check bench stress kunit vm checkpatch docs mutate

all: modules

# Plain make only builds: dependencies come from `make deps` (or demo,
# check, bench, which run it first).
modules:
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "no kernel headers (KDIR=$(KDIR)): run 'make deps' or give KDIR=" >&2; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf build/vm build/vm-debug build/tools build/ab-src build/html build/doctrees

deps:
	bash scripts/deps.sh

demo:
	bash scripts/deps.sh
	bash scripts/vm.sh --demo

check:
	bash scripts/deps.sh
	bash scripts/check.sh

bench:
	bash scripts/deps.sh
	bash scripts/bench.sh $(if $(AB),--ab $(AB))

stress:
	bash scripts/deps.sh
	bash scripts/vm.sh --stress
	bash scripts/vm.sh --debug --stress

mutate:
	bash scripts/deps.sh
	bash scripts/mutate.sh $(if $(ONLY),--only $(ONLY))

kunit:
	bash scripts/deps.sh
	bash scripts/kunit.sh

vm:
	bash scripts/deps.sh
	bash scripts/vm.sh

checkpatch:
	bash scripts/kunit.sh --prepare-only
	perl build/linux-6.12/scripts/checkpatch.pl --no-tree --terse -f \
		$$(git ls-files '*.c' '*.h' | grep -v '^tools/')

# Needs python3-sphinx and linux-source-6.12 (make deps); fails on any
# Sphinx or kernel-doc warning.
docs:
	bash scripts/deps.sh
	bash scripts/docs.sh
