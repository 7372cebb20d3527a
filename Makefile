# SPDX-License-Identifier: GPL-2.0
#
#   make          build the modules against Debian's 6.12 headers (KDIR=...)
#   make demo     boot the test VM, load the modules, run the examples
#   make check    all tests: KUnit (UML and x86_64 SMP) and the VM suite
#   make bench    benchmarks against the kernel's own mechanisms (several VM
#                 boots, an instruction count, UML; build/bench.svg)
#   make stress   the long stress and fuzz runs, on the stock and debug kernels
#   make docs     Documentation/ as HTML in build/html (Sphinx + kernel-doc)
#   make mutate   mutation testing: the bugs of scripts/mutations.txt, one at
#                 a time, against the suites (ONLY="id ..." for some)
#   make install  the modules, headers, Module.symvers, pkg-config file and
#                 manual pages (DESTDIR=, PREFIX=); make uninstall
#   make install-dkms  the source as a DKMS tree in /usr/src/msgport-<version>
#   make sign     sign msgport.ko and syslet.ko (SIGN_KEY=, SIGN_CERT=)
#   make man      the manual pages in build/man
#   make dist     build/msgport-<version>.tar.xz, with VERSION and man/
#   (Documentation/install.rst)
#
# The kernel build itself is driven by ./Kbuild.

# Debian's plain 6.12 headers (scripts/kdir.sh); make KDIR=... for another.
KDIR ?= $(shell bash scripts/kdir.sh)
export KDIR

.PHONY: all modules clean deps demo check bench stress kunit vm checkpatch docs mutate \
	install uninstall install-dkms sign man dist

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
	rm -rf build/vm build/vm-debug build/vm-rt build/vm-sign build/tools build/ab-src build/bench \
		build/html build/doctrees-html build/doctrees-man build/dist build/man \
		build/installcheck build/dkms build/msgport-*.tar.xz

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

# Installation: Documentation/install.rst.  The kernel's conventions for
# what belongs to a kernel (/lib/modules, /usr/src, which DKMS reads too)
# and PREFIX for the user-space files; DESTDIR under both.
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_MOD_DIR ?= updates
DEPMOD ?= depmod
VERSION := $(shell sh scripts/version.sh)
# The release the modules' vermagic names, as /lib/modules does: Debian's
# 6.1 headers say 6.1.192 in include/config/kernel.release, for one.
KRELEASE = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
moddir = /lib/modules/$(KRELEASE)/$(INSTALL_MOD_DIR)
ksrcdir = /usr/src/msgport-$(VERSION)
includedir = $(PREFIX)/include
pkgconfigdir = $(PREFIX)/share/pkgconfig
mandir = $(PREFIX)/share/man
# A tarball of `make dist` carries the pages; a checkout builds them.
mansrc = $(if $(wildcard man/syslet.4),man,build/man)
# What the kernel build needs: a DKMS tree holds these only.
kbuild-files = Kbuild Kconfig include msgport syslet upcall kunit scripts/version.sh
# list-files PATHS: the files under PATHS, as git knows them in a
# checkout, or as they are in a tarball (without build products).
list-files = $(if $(wildcard .git),git ls-files -co --exclude-standard -- $(1) | grep -v '^build/',\
	find $(1) -type f ! -name '*.o' ! -name '*.ko' ! -name '*.mod' ! -name '*.mod.c' \
		! -name '.*.cmd' ! -name '*.order' ! -name '*.symvers' ! -name '.*.d')
depmod = $(DEPMOD) $(if $(DESTDIR),-b $(DESTDIR)) $(KRELEASE)

man:
	@if [ -f man/syslet.4 ]; then echo "man: the pages of this tarball are in man/"; \
	else bash scripts/docs.sh --man; fi

install: modules man
	@[ -n "$(KRELEASE)" ] || { echo "install: no kernel release in $(KDIR)" >&2; exit 1; }
	install -d $(DESTDIR)$(moddir)
	install -m 644 msgport.ko syslet.ko $(DESTDIR)$(moddir)/
	$(depmod)
	install -d $(DESTDIR)$(ksrcdir)/include/msgport $(DESTDIR)$(ksrcdir)/$(KRELEASE)
	install -m 644 include/msgport/msgport.h $(DESTDIR)$(ksrcdir)/include/msgport/
	install -m 644 Module.symvers $(DESTDIR)$(ksrcdir)/$(KRELEASE)/
	install -d $(DESTDIR)$(includedir)/syslet/uapi
	install -m 644 include/uapi/syslet.h include/uapi/upcall.h $(DESTDIR)$(includedir)/syslet/uapi/
	for h in syslet upcall; do \
		sed 's|"../../include/uapi/|"uapi/|' tools/lib/$$h.h >$(DESTDIR)$(includedir)/syslet/$$h.h && \
		chmod 644 $(DESTDIR)$(includedir)/syslet/$$h.h || exit 1; \
	done
	install -d $(DESTDIR)$(pkgconfigdir)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' tools/lib/syslet.pc.in \
		>$(DESTDIR)$(pkgconfigdir)/syslet.pc
	install -d $(DESTDIR)$(mandir)/man3 $(DESTDIR)$(mandir)/man4 $(DESTDIR)$(mandir)/man9
	install -m 644 $(mansrc)/syslet.4 $(mansrc)/upcall.4 $(DESTDIR)$(mandir)/man4/
	install -m 644 $(mansrc)/msgport.9 $(DESTDIR)$(mandir)/man9/
	for f in upc_register upc_control; do \
		echo '.so man4/upcall.4' >$(DESTDIR)$(mandir)/man3/$$f.3 || exit 1; \
	done

# Everything install and install-dkms put there, for this version and
# kernel release.  Remove a DKMS registration first (dkms remove).
uninstall:
	rm -f $(DESTDIR)$(moddir)/msgport.ko $(DESTDIR)$(moddir)/syslet.ko
	if [ -d $(DESTDIR)/lib/modules/$(KRELEASE) ]; then $(depmod); fi
	rm -rf $(DESTDIR)$(ksrcdir)
	rm -f $(DESTDIR)$(includedir)/syslet/syslet.h $(DESTDIR)$(includedir)/syslet/upcall.h \
		$(DESTDIR)$(includedir)/syslet/uapi/syslet.h $(DESTDIR)$(includedir)/syslet/uapi/upcall.h
	-rmdir $(DESTDIR)$(includedir)/syslet/uapi $(DESTDIR)$(includedir)/syslet 2>/dev/null
	rm -f $(DESTDIR)$(pkgconfigdir)/syslet.pc \
		$(DESTDIR)$(mandir)/man4/syslet.4 $(DESTDIR)$(mandir)/man4/upcall.4 \
		$(DESTDIR)$(mandir)/man9/msgport.9 \
		$(DESTDIR)$(mandir)/man3/upc_register.3 $(DESTDIR)$(mandir)/man3/upc_control.3

# The DKMS source tree: dkms add msgport/$(VERSION), then dkms build and
# dkms install (dkms.conf; the VERSION file gives MODULE_VERSION).
install-dkms:
	install -d $(DESTDIR)$(ksrcdir)
	$(call list-files,$(kbuild-files)) | tar -cf - -T - | tar -C $(DESTDIR)$(ksrcdir) -xf -
	echo "$(VERSION)" >$(DESTDIR)$(ksrcdir)/VERSION
	sed 's|@VERSION@|$(VERSION)|' dkms.conf >$(DESTDIR)$(ksrcdir)/dkms.conf

# Sign freshly linked modules (scripts/sign.sh): the kernel only trusts
# them if it trusts the key (Documentation/install.rst).
SIGN_KEY ?=
SIGN_CERT ?=
sign:
	@[ -n "$(SIGN_KEY)" ] && [ -n "$(SIGN_CERT)" ] || { \
		echo "usage: make sign SIGN_KEY=key.pem SIGN_CERT=cert.pem (or .der)" >&2; exit 1; }
	rm -f msgport.ko syslet.ko
	$(MAKE) modules
	bash scripts/sign.sh $(KDIR) $(SIGN_KEY) $(SIGN_CERT) msgport.ko syslet.ko

# A tarball that builds and installs without git, Sphinx or the kernel's
# source: the tree, a VERSION file and the manual pages.
dist: man
	rm -rf build/dist && mkdir -p build/dist/msgport-$(VERSION)/man
	$(call list-files,.) | tar -cf - -T - | tar -C build/dist/msgport-$(VERSION) -xf -
	echo "$(VERSION)" >build/dist/msgport-$(VERSION)/VERSION
	cp $(mansrc)/syslet.4 $(mansrc)/upcall.4 $(mansrc)/msgport.9 build/dist/msgport-$(VERSION)/man/
	tar -C build/dist -cJf build/msgport-$(VERSION).tar.xz msgport-$(VERSION)
	@echo "dist: build/msgport-$(VERSION).tar.xz"
