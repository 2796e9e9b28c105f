# ctr-launch: GNU make build.
#
# Paths are compiled into the binaries (DESIGN: nothing reads a path from
# the environment or the command line).  Tests and the demo build the same
# sources with these variables pointed into a root-owned prefix.

PREFIX		?= /usr/local
SYSCONFDIR	?= /etc
STATEDIR	?= /var/lib
RUNDIR		?= /run
# Empty PAMDIR means the system's PAM configuration (pam_start); a test build
# sets it to a private directory (pam_start_confdir).
PAMDIR		?=
# Test builds may fix the cgroup root and version at build time; the
# default build detects v2 or v1 under /sys/fs/cgroup at run time.
CGROUP_ROOT	?= /sys/fs/cgroup
CGROUP_VERSION	?= auto
MANDIR		?= $(PREFIX)/share/man
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
DESTDIR		?=
BUILDDIR	?= build
# SANITIZE=1 builds the helper with ASan+UBSan (test prefixes only).
SANITIZE	?= 0
# Where `make check` and `make demo` install their root-owned test prefix.
TESTROOT	?= /var/lib/ctr-launch-test
DEMOROOT	?= /var/lib/ctr-launch-demo

VERSION		:= 0.1.0

CC		?= cc
PKG_CONFIG	?= pkg-config

HELPER_PKGS	:= inih libcap pam libseccomp
IMAGE_PKGS	:= libarchive json-c libcrypto libcurl
TEST_PKGS	:= cmocka

WARN	:= -Wall -Wextra -Werror -Wformat=2 -Wformat-security \
	   -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wold-style-definition -Wpointer-arith -Wcast-qual \
	   -Wwrite-strings -Wvla -Wnull-dereference -Werror=unused-result \
	   -Wno-unused-parameter
HARDEN	:= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection \
	   -fPIE -fcf-protection -fno-strict-aliasing
DEFS	:= -D_GNU_SOURCE \
	   -DCTL_VERSION=\"$(VERSION)\" \
	   -DCTL_SYSCONFDIR=\"$(SYSCONFDIR)\" \
	   -DCTL_STATEDIR=\"$(STATEDIR)\" \
	   -DCTL_RUNDIR=\"$(RUNDIR)\" \
	   -DCTL_PAMDIR=\"$(PAMDIR)\" \
	   -DCTL_CGROUP_ROOT=\"$(CGROUP_ROOT)\" \
	   -DCTL_CGROUP_VERSION=\"$(CGROUP_VERSION)\" \
	   -DCTL_SANITIZE=$(SANITIZE)

OPT	:= -O2 -g
BASE_CFLAGS := -std=c11 $(OPT) $(WARN) $(DEFS) -I.
LDHARDEN := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(HELPER_PKGS) $(IMAGE_PKGS) 2>/dev/null)
# What the setuid helper is built from (lib/, policy/, helper/ and image/'s
# descriptor reader) is compiled without the archive, JSON, TLS and HTTP
# libraries' flags (tests/lint.sh checks their includes too).
HELPER_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(HELPER_PKGS) 2>/dev/null)
PKGC = $(PKG_CFLAGS)
HELPER_LIBS = $(shell $(PKG_CONFIG) --libs $(HELPER_PKGS) 2>/dev/null)
# The setuid helper links inih and libcap statically (their Debian -dev
# packages ship PIC archives): fewer objects for the loader to map and
# relocate at every launch, RELRO and BIND_NOW unchanged.  libpam stays
# shared (the modules it loads link against it) but is not linked: the
# processes that call PAM load it (helper/pamdl.c), the others never map
# it.  libseccomp is used when the helper is built, not by it:
# helper/filter_gen.c compiles the seccomp filters' rules
# (helper/filter_rules.c) to BPF arrays ($(R)/gen/filter_prog.c) linked
# into the helper.
STATIC_PKGS	:= inih libcap
HELPER_LINK = -Wl,-Bstatic $(shell $(PKG_CONFIG) --libs $(STATIC_PKGS) 2>/dev/null) \
	-Wl,-Bdynamic
IMAGE_LIBS = $(shell $(PKG_CONFIG) --libs $(IMAGE_PKGS) 2>/dev/null)
# The admin tools link only what they use: ctr-policy the policy parser's
# inih; ctr-image the image libraries and libseccomp (its fetcher's
# filter, image/pullsec.c).
POLICYTOOL_LIBS = $(shell $(PKG_CONFIG) --libs inih 2>/dev/null)
SECCOMP_LIBS = $(shell $(PKG_CONFIG) --libs libseccomp 2>/dev/null)
IMAGETOOL_LIBS = $(IMAGE_LIBS) $(SECCOMP_LIBS)
TEST_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=all

ifeq ($(SANITIZE),1)
REL_CFLAGS := $(BASE_CFLAGS) $(SANFLAGS) -fPIE $(CFLAGS)
REL_LDFLAGS := $(SANFLAGS) -pie $(LDFLAGS)
else
REL_CFLAGS := $(BASE_CFLAGS) $(HARDEN) $(CFLAGS)
REL_LDFLAGS := $(LDHARDEN) $(LDFLAGS)
endif
SAN_CFLAGS := $(BASE_CFLAGS) -O1 $(SANFLAGS) -fPIE $(CFLAGS)
SAN_LDFLAGS := $(SANFLAGS) -pie

# Source groups.  The libraries are whole directories (the helper's main
# program excluded), so unit tests link everything else; the admin
# programs are tools/ (DESIGN §2): ctr-policy is tools/ctr_policy.c and
# tools/policy_*.c, ctr-image tools/ctr_image.c.
LIB_SRCS	:= $(wildcard lib/*.c)
POLICY_SRCS	:= $(wildcard policy/*.c)
IMGLIB_SRCS	:= $(wildcard image/desc.c image/desc_list.c image/name.c image/storelist.c)
IMGTOOL_SRCS	:= $(filter-out $(IMGLIB_SRCS),$(wildcard image/*.c))
POLICYTOOL_SRCS	:= $(wildcard tools/ctr_policy.c tools/policy_*.c)
IMAGETOOL_SRCS	:= tools/ctr_image.c
HELPER_SRCS	:= $(filter-out helper/main.c helper/sanopts.c helper/filter_gen.c,$(wildcard helper/*.c))
# The sanitizer runtime's compiled-in options: SANITIZE=1 helper only.
SANOPTS_OBJ	= $(if $(filter 1,$(SANITIZE)),$(R)/helper/sanopts.o)
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
FUZZ_SRCS	:= $(wildcard tests/fuzz/fuzz_*.c)
ALL_C		:= $(wildcard lib/*.c lib/*.h helper/*.c helper/*.h policy/*.c policy/*.h \
		   image/*.c image/*.h tools/*.c tools/*.h tests/unit/*.c tests/unit/*.h \
		   tests/fuzz/*.c tests/integration/*.c bench/*.c)

R := $(BUILDDIR)/rel
S := $(BUILDDIR)/san
F := $(BUILDDIR)/fuzz

obj = $(patsubst %.c,$(1)/%.o,$(2))

PROGS := $(R)/ctr-launch $(R)/ctr-policy $(R)/ctr-image
MANS := $(wildcard man/*.[0-9])

.PHONY: all deps install uninstall check unit integration lint fuzz \
	fuzz-smoke demo bench bench-import bench-login clean test-install policy image helper \
	test-install-san integration-san
.DELETE_ON_ERROR:

all: $(PROGS)

policy: $(R)/ctr-policy
image: $(R)/ctr-image
helper: $(R)/ctr-launch

# Each build directory records the flags it was built with; a change of
# paths or switches (SYSCONFDIR, PAMDIR, SANITIZE...) rebuilds everything.
FORCE:
$(R)/.flags: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(REL_CFLAGS) $(REL_LDFLAGS)' | cmp -s - $@ || \
	    printf '%s\n' '$(REL_CFLAGS) $(REL_LDFLAGS)' >$@
$(S)/.flags: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(SAN_CFLAGS)' | cmp -s - $@ || \
	    printf '%s\n' '$(SAN_CFLAGS)' >$@
$(F)/.flags: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(DEFS)' | cmp -s - $@ || printf '%s\n' '$(DEFS)' >$@

$(R)/%.o: %.c $(R)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) $(PKGC) -MMD -MP -c -o $@ $<

$(S)/%.o: %.c $(S)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) $(PKGC) -MMD -MP -c -o $@ $<

$(foreach d,$(R) $(S),$(d)/lib/%.o $(d)/policy/%.o $(d)/helper/%.o \
    $(d)/image/desc.o $(d)/image/desc_list.o $(d)/image/name.o \
    $(d)/image/storelist.o): PKGC = $(HELPER_CFLAGS)

# The seccomp filters, compiled to BPF at build time (filter.h): the
# generator links the rules and libseccomp, and writes C arrays.
$(foreach d,$(R) $(S),$(d)/filter_gen): %/filter_gen: %/helper/filter_gen.o \
	    %/helper/filter_rules.o
	$(CC) $(if $(filter $(S)/%,$@),$(SAN_LDFLAGS),$(REL_LDFLAGS)) -o $@ $^ \
	    $(SECCOMP_LIBS)
$(foreach d,$(R) $(S),$(d)/gen/filter_prog.c): %/gen/filter_prog.c: %/filter_gen
	@mkdir -p $(dir $@)
	ASAN_OPTIONS=detect_leaks=0 $< >$@.tmp && mv $@.tmp $@
$(R)/gen/filter_prog.o: $(R)/gen/filter_prog.c
	$(CC) $(REL_CFLAGS) $(HELPER_CFLAGS) -c -o $@ $<
$(S)/gen/filter_prog.o: $(S)/gen/filter_prog.c
	$(CC) $(SAN_CFLAGS) $(HELPER_CFLAGS) -c -o $@ $<

$(R)/liblib.a: $(call obj,$(R),$(LIB_SRCS))
$(R)/libpolicy.a: $(call obj,$(R),$(POLICY_SRCS))
$(R)/libimg.a: $(call obj,$(R),$(IMGLIB_SRCS))
$(R)/libimgtool.a: $(call obj,$(R),$(IMGTOOL_SRCS))
$(R)/libhelper.a: $(call obj,$(R),$(HELPER_SRCS)) $(R)/gen/filter_prog.o
$(S)/liblib.a: $(call obj,$(S),$(LIB_SRCS))
$(S)/libpolicy.a: $(call obj,$(S),$(POLICY_SRCS))
$(S)/libimg.a: $(call obj,$(S),$(IMGLIB_SRCS))
$(S)/libimgtool.a: $(call obj,$(S),$(IMGTOOL_SRCS))
$(S)/libhelper.a: $(call obj,$(S),$(HELPER_SRCS)) $(S)/gen/filter_prog.o

%.a:
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(R)/ctr-launch: $(R)/helper/main.o $(SANOPTS_OBJ) $(R)/libhelper.a $(R)/libpolicy.a $(R)/libimg.a \
	    $(R)/liblib.a
	$(CC) $(REL_LDFLAGS) -o $@ $^ $(HELPER_LINK)

$(R)/ctr-policy: $(call obj,$(R),$(POLICYTOOL_SRCS)) $(R)/libpolicy.a $(R)/libimg.a \
	    $(R)/liblib.a
	$(CC) $(REL_LDFLAGS) -o $@ $^ $(POLICYTOOL_LIBS)

$(R)/ctr-image: $(call obj,$(R),$(IMAGETOOL_SRCS)) $(R)/libimgtool.a $(R)/libimg.a \
	    $(R)/liblib.a
	$(CC) $(REL_LDFLAGS) -o $@ $^ $(IMAGETOOL_LIBS)

# Unit tests: ASan+UBSan, each linked with its own layer and the layers
# below it only, in order and without --start-group, so that a call from
# a lower layer into a higher one fails to link.  A test not listed here
# is a helper test (everything but ctr-image's import code).
UNIT_BINS := $(patsubst tests/unit/%.c,$(S)/unit/%,$(UNIT_SRCS))
SAN_LIBS := $(S)/libhelper.a $(S)/libimgtool.a $(S)/libpolicy.a $(S)/libimg.a \
	$(S)/liblib.a
UNIT_LIB	:= test_grammar test_fdtrust test_imgref test_pull_regconf test_io \
		   test_ini
UNIT_POLICY	:= test_policy test_login_policy test_policy_entries
UNIT_IMG	:= test_desc test_name test_storelist
UNIT_IMGTOOL	:= test_image_config test_image_extract test_image_sanitize \
		   test_pull_wwwauth
unit_libs = $(strip \
	$(if $(filter $(1),$(UNIT_LIB)),$(S)/liblib.a,\
	$(if $(filter $(1),$(UNIT_POLICY)),$(S)/libpolicy.a $(S)/liblib.a,\
	$(if $(filter $(1),$(UNIT_IMG)),$(S)/libimg.a $(S)/liblib.a,\
	$(if $(filter $(1),$(UNIT_IMGTOOL)),$(S)/libimgtool.a $(S)/libimg.a $(S)/liblib.a,\
	$(S)/libhelper.a $(S)/libpolicy.a $(S)/libimg.a $(S)/liblib.a)))))
$(S)/unit/%: $(S)/tests/unit/%.o $(SAN_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_LDFLAGS) -o $@ $< $(call unit_libs,$*) \
	    $(HELPER_LIBS) $(IMAGE_LIBS) $(TEST_LIBS)

unit: $(UNIT_BINS)
	@bash tests/run-unit.sh $(UNIT_BINS)

# libFuzzer targets (clang).  `make fuzz` runs each for FUZZ_TIME seconds;
# `make check` runs each for FUZZ_SMOKE seconds and replays the corpora.
FUZZ_TIME ?= 600
FUZZ_SMOKE ?= 10
FUZZ_CC ?= clang
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(F)/%,$(FUZZ_SRCS))
FUZZ_LIBSRC := $(LIB_SRCS) $(POLICY_SRCS) $(IMGLIB_SRCS) $(IMGTOOL_SRCS) $(HELPER_SRCS)
# Without clang's fuzzer runtime the targets are linked with a replay
# driver instead (tests/fuzz/replay_main.c): the corpora still replay.
FUZZ_HAVE_LIBFUZZER = $(shell echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, \
	unsigned long n) { return 0; }' | \
	$(FUZZ_CC) -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null && echo 1)
FUZZ_ENGINE = $(if $(FUZZ_HAVE_LIBFUZZER),-fsanitize=fuzzer$(comma)address$(comma)undefined,\
	-fsanitize=address$(comma)undefined tests/fuzz/replay_main.c)
# The code under test is compiled once, instrumented for the fuzzer
# (fuzzer-no-link) and the sanitizers, into one archive each target links.
FUZZ_LIBCFLAGS = -std=c11 -g -O1 $(DEFS) -I. $(PKG_CFLAGS) \
	$(if $(FUZZ_HAVE_LIBFUZZER),-fsanitize=fuzzer-no-link$(comma)address$(comma)undefined,\
	-fsanitize=address$(comma)undefined)
comma := ,
$(F)/o/%.o: %.c $(F)/.flags
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_LIBCFLAGS) -MMD -MP -c -o $@ $<
$(F)/o/filter_prog.o: $(R)/gen/filter_prog.c $(F)/.flags
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_LIBCFLAGS) -c -o $@ $<
$(F)/libfuzzed.a: $(call obj,$(F)/o,$(FUZZ_LIBSRC)) $(F)/o/filter_prog.o
	@rm -f $@
	$(AR) rcs $@ $^
$(F)/%: tests/fuzz/%.c $(F)/libfuzzed.a $(F)/.flags
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -g -O1 $(DEFS) -I. $(PKG_CFLAGS) \
	    $(FUZZ_ENGINE) -o $@ $(filter %.c,$^) $(F)/libfuzzed.a \
	    $(HELPER_LIBS) $(IMAGE_LIBS)

fuzz: $(FUZZ_BINS)
	@bash tests/run-fuzz.sh $(FUZZ_TIME) $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	@bash tests/run-fuzz.sh $(FUZZ_SMOKE) $(FUZZ_BINS)

# Installation.  ctr-launch is setuid root; a sanitizer build is refused.
# The example PAM service goes where the helper will look for it: PAMDIR
# when set, else the system's pam.d.
PAM_DEST = $(if $(PAMDIR),$(PAMDIR),$(SYSCONFDIR)/pam.d)
# A staging install (DESTDIR set) by an unprivileged packager cannot chown:
# dpkg-buildpackage (Rules-Requires-Root: no) records root:root in the
# package.  Every other install sets the owner explicitly.
HELPER_OWNER = $(if $(and $(DESTDIR),$(filter-out 0,$(shell id -u))),,-o root -g root)
install: $(PROGS)
	@if [ "$(SANITIZE)" != 0 ]; then \
	    echo "make install: refusing to install a SANITIZE build" >&2; exit 1; fi
	install -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	@# An administrator's tighter mode of the directory stays.
	@[ -d $(DESTDIR)$(SYSCONFDIR)/ctr-launch ] || \
	    install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/ctr-launch
	@# The old setuid helper loses its mode before it is replaced, as
	@# dpkg does: a hard link a user made to it keeps no setuid copy.
	@if [ -f $(DESTDIR)$(BINDIR)/ctr-launch ] && [ ! -L $(DESTDIR)$(BINDIR)/ctr-launch ]; then \
	    chmod 0 $(DESTDIR)$(BINDIR)/ctr-launch; fi
	install -m 4755 $(HELPER_OWNER) $(R)/ctr-launch $(DESTDIR)$(BINDIR)/ctr-launch
	ln -sfn ctr-launch $(DESTDIR)$(BINDIR)/ctr-launch-shell
	install -m 0755 $(R)/ctr-policy $(DESTDIR)$(SBINDIR)/ctr-policy
	install -m 0755 $(R)/ctr-image $(DESTDIR)$(SBINDIR)/ctr-image
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && ! getent passwd ctr-pull >/dev/null; then \
	    adduser --system --no-create-home --group ctr-pull; fi
	for m in $(MANS); do \
	    s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	ln -sfn ctr-launch.1 $(DESTDIR)$(MANDIR)/man1/ctr-launch-shell.1
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/ctr-launch/policy.ini ]; then \
	    install -m 0644 etc/policy.ini $(DESTDIR)$(SYSCONFDIR)/ctr-launch/policy.ini; fi
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/ctr-launch/sshd-login.conf ]; then \
	    install -m 0644 etc/ssh/ctr-launch-shell.conf $(DESTDIR)$(SYSCONFDIR)/ctr-launch/sshd-login.conf; fi
	@if [ -n "$(PAMDIR)" ]; then install -d -m 0755 $(DESTDIR)$(PAMDIR); fi
	@if [ -d $(DESTDIR)$(PAM_DEST) ] && \
	    [ ! -e $(DESTDIR)$(PAM_DEST)/ctr-launch ] && [ -e etc/pam.d/ctr-launch ]; then \
	    install -m 0644 etc/pam.d/ctr-launch $(DESTDIR)$(PAM_DEST)/ctr-launch; fi

uninstall: uninstall-spank
	rm -f $(DESTDIR)$(BINDIR)/ctr-launch-shell $(DESTDIR)$(MANDIR)/man1/ctr-launch-shell.1
	@if [ -f $(DESTDIR)$(BINDIR)/ctr-launch ] && [ ! -L $(DESTDIR)$(BINDIR)/ctr-launch ]; then \
	    chmod 0 $(DESTDIR)$(BINDIR)/ctr-launch; fi
	rm -f $(DESTDIR)$(BINDIR)/ctr-launch $(DESTDIR)$(SBINDIR)/ctr-policy \
	    $(DESTDIR)$(SBINDIR)/ctr-image
	for m in $(MANS); do \
	    s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

# The Slurm SPANK plugin (spank/, ctr-launch-spank(8)), built against the
# installed Slurm headers (the plugin must match the cluster's release):
# `make spank`, `make install-spank` (`make uninstall-spank` and `make
# uninstall` remove it).  SPANKDIR holds ctr_launch.so;
# PLUGSTACKDIR the one-line `required` snippet.  The test build of the
# plugin without the client-side checks is $(R)/spank/ctr_launch_lax.so.
SPANKDIR	?= $(PREFIX)/lib/ctr-launch
PLUGSTACKDIR	?= $(SYSCONFDIR)/slurm/plugstack.conf.d
SPANK_CFLAGS = -std=gnu11 -O2 -g $(WARN) -Wno-write-strings -D_GNU_SOURCE -I. \
	-DCTL_HELPER=\"$(BINDIR)/ctr-launch\" -fPIC -D_FORTIFY_SOURCE=2 \
	-fstack-protector-strong -fstack-clash-protection -fcf-protection $(CFLAGS)
SPANK_LDFLAGS = -shared -Wl,-z,relro,-z,now -Wl,-z,noexecstack \
	-Wl,--version-script=spank/ctr_launch.map $(LDFLAGS)
SPANK_SRCS := spank/ctr_launch.c spank/opts.c
.PHONY: spank install-spank uninstall-spank
spank: $(R)/spank/ctr_launch.so $(R)/spank/ctr_launch_lax.so
$(R)/spank/.flags: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(SPANK_CFLAGS)' | cmp -s - $@ || \
	    printf '%s\n' '$(SPANK_CFLAGS)' >$@
$(R)/spank/ctr_launch.so: $(SPANK_SRCS) spank/opts.h spank/ctr_launch.map $(R)/spank/.flags
	@mkdir -p $(dir $@)
	$(CC) $(SPANK_CFLAGS) $(SPANK_LDFLAGS) -o $@ $(SPANK_SRCS)
$(R)/spank/ctr_launch_lax.so: $(SPANK_SRCS) spank/opts.h spank/ctr_launch.map $(R)/spank/.flags
	@mkdir -p $(dir $@)
	$(CC) $(SPANK_CFLAGS) -DCTL_SPANK_NO_CLIENT_CHECK $(SPANK_LDFLAGS) -o $@ \
	    $(SPANK_SRCS)
install-spank: $(R)/spank/ctr_launch.so
	install -d -m 0755 $(DESTDIR)$(SPANKDIR) $(DESTDIR)$(PLUGSTACKDIR)
	install -m 0644 $(HELPER_OWNER) $(R)/spank/ctr_launch.so \
	    $(DESTDIR)$(SPANKDIR)/ctr_launch.so
	printf 'required %s/ctr_launch.so\n' '$(SPANKDIR)' \
	    >$(DESTDIR)$(PLUGSTACKDIR)/ctr-launch.conf
	chmod 0644 $(DESTDIR)$(PLUGSTACKDIR)/ctr-launch.conf
# The snippet goes first (a `required` line naming a missing plugin fails
# every srun), and only when it names this SPANKDIR's plugin: another
# installation's (the ctr-launch-spank package's) stays.  SPANKDIR goes
# when empty.
uninstall-spank:
	@f=$(DESTDIR)$(PLUGSTACKDIR)/ctr-launch.conf; \
	if [ -f "$$f" ] && grep -qE '^[[:space:]]*(required|optional)[[:space:]]+$(SPANKDIR)/ctr_launch\.so([[:space:]]|$$)' "$$f"; then \
	    echo "rm -f $$f"; rm -f "$$f"; fi
	rm -f $(DESTDIR)$(SPANKDIR)/ctr_launch.so
	@if [ -d $(DESTDIR)$(SPANKDIR) ]; then rmdir $(DESTDIR)$(SPANKDIR) 2>/dev/null || :; fi

# Debian build and test dependencies; apt-get only runs when one is missing.
DEB_PKGS := build-essential pkg-config libinih-dev libcap-dev libpam0g-dev \
	libseccomp-dev libarchive-dev libjson-c-dev libssl-dev libcmocka-dev \
	bats busybox-static strace mandoc cppcheck clang clang-format \
	libclang-rt-14-dev zstd python3 util-linux passwd procps psmisc \
	skopeo gzip bzip2 xz-utils lz4 git tmux qemu-system-x86 \
	libcurl4-openssl-dev docker-registry apache2-utils adduser python3-jwt \
	python3-cryptography \
	debhelper devscripts lintian openssh-server openssh-client rsync \
	slurm-wlm munge libslurm-dev iproute2

# The daemons among them (sshd, munge, slurmd, slurmctld, the registry)
# are the tests' to start on 127.0.0.1: a policy-rc.d, while none exists,
# keeps their packages from starting them at installation.
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null | grep -q '^ii' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "make deps: installing" $$missing; \
	    rc=; if [ ! -e /usr/sbin/policy-rc.d ]; then rc=/usr/sbin/policy-rc.d; \
	        printf '#!/bin/sh\nexit 101\n' >$$rc && chmod 0755 $$rc; fi; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq --no-install-recommends $$missing </dev/null; \
	    st=$$?; [ -z "$$rc" ] || rm -f $$rc; exit $$st; \
	fi

# Static guards: formatting, cppcheck, man pages, and the house rules
# (privileged syscalls only in executor files, banned calls, O_CLOEXEC).
lint:
	@bash tests/lint.sh

# A build whose paths all point into $(TESTROOT), installed there.
TEST_VARS = BUILDDIR=$(BUILDDIR)/t PREFIX=$(TESTROOT)/usr \
	SYSCONFDIR=$(TESTROOT)/etc STATEDIR=$(TESTROOT)/var \
	RUNDIR=$(TESTROOT)/run PAMDIR=$(TESTROOT)/etc/pam.d

test-install:
	@bash tests/mkprefix.sh $(TESTROOT)
	$(MAKE) $(TEST_VARS) install
	@if [ -f /usr/include/slurm/spank.h ]; then \
	    $(MAKE) $(TEST_VARS) spank install-spank && \
	    install -m 0644 $(BUILDDIR)/t/rel/spank/ctr_launch_lax.so \
	        $(TESTROOT)/usr/lib/ctr-launch/ctr_launch_lax.so; fi

integration: test-install
	@bash tests/run-integration.sh $(TESTROOT) $(BUILDDIR)

# The ASan+UBSan helper, installed only into its own test prefix SANROOT,
# mode 4750 root:$(SAN_GROUP) (a test-only group: the sanitizer runtime
# reads ASAN_OPTIONS even when setuid, so no other user may exec it).  Its
# runtime options are compiled in (helper/sanopts.c).  `make check` runs
# the functional suites (tests/integration/run*.bats) against it a second
# time unless SANCHECK=0.
SANROOT		?= $(TESTROOT)-san
SAN_GROUP	?= ctr-launch-san
SANCHECK	?= 1
SAN_TEST_VARS = BUILDDIR=$(BUILDDIR)/ts PREFIX=$(SANROOT)/usr \
	SYSCONFDIR=$(SANROOT)/etc STATEDIR=$(SANROOT)/var \
	RUNDIR=$(SANROOT)/run PAMDIR=$(SANROOT)/etc/pam.d SANITIZE=1

test-install-san:
	@bash tests/mkprefix.sh $(SANROOT)
	@getent group $(SAN_GROUP) >/dev/null || groupadd --system $(SAN_GROUP)
	$(MAKE) $(SAN_TEST_VARS) all
	install -d -m 0755 $(SANROOT)/usr/bin $(SANROOT)/usr/sbin
	install -m 4750 -o root -g $(SAN_GROUP) $(BUILDDIR)/ts/rel/ctr-launch \
	    $(SANROOT)/usr/bin/ctr-launch
	ln -sfn ctr-launch $(SANROOT)/usr/bin/ctr-launch-shell
	install -D -m 0644 etc/ssh/ctr-launch-shell.conf $(SANROOT)/etc/ctr-launch/sshd-login.conf
	install -m 0755 $(BUILDDIR)/ts/rel/ctr-policy $(SANROOT)/usr/sbin/ctr-policy
	install -m 0755 $(BUILDDIR)/ts/rel/ctr-image $(SANROOT)/usr/sbin/ctr-image
	@if [ ! -e $(SANROOT)/etc/ctr-launch/policy.ini ] && [ -e etc/policy.ini ]; then \
	    install -m 0644 etc/policy.ini $(SANROOT)/etc/ctr-launch/policy.ini; fi
	@if [ ! -e $(SANROOT)/etc/pam.d/ctr-launch ]; then \
	    if [ -e etc/pam.d/ctr-launch ]; then \
	        install -m 0644 etc/pam.d/ctr-launch $(SANROOT)/etc/pam.d/ctr-launch; \
	    else printf 'account required pam_permit.so\nsession required pam_permit.so\n' \
	        >$(SANROOT)/etc/pam.d/ctr-launch; fi; fi

integration-san: test-install-san
	@CTL_EXEC_GROUP=$(SAN_GROUP) CTL_SANITIZE=1 bash tests/run-integration.sh $(SANROOT) \
	    $(BUILDDIR) 'tests/integration/run*.bats'

check: deps
	@bash tests/check.sh $(MAKE) $(TESTROOT) $(BUILDDIR)

demo: deps
	@bash tests/demo.sh $(MAKE) $(DEMOROOT) $(BUILDDIR)

# BENCH_VM=0: without the cgroup v2 table measured in the VM (tests/vm).
# The detached-container rows (bench-lifecycle) follow the launch report.
BENCH_VM	?= 1
bench: deps
	@bash bench/run.sh $(MAKE) $(BUILDDIR)
	@bash bench/lifecycle.sh $(BUILDDIR)
	@if [ "$(BENCH_VM)" != 0 ]; then \
	    $(MAKE) -s BUILDDIR=$(BUILDDIR) vm-bench && \
	    cat $(BUILDDIR)/bench/results-v2.md; fi

# The container's share of a Slurm step's start-up (bench/slurm.sh).
bench-slurm: deps
	@bash bench/slurm.sh $(MAKE) $(BUILDDIR)

# Import time of a 100 MB archive next to tar -x (ctr-image).
bench-import: deps
	@bash bench/import.sh $(BUILDDIR)

# Landing in the container over SSH: ssh true and scp through
# ctr-launch-shell next to a /bin/sh user (bench/login.sh).
bench-login: deps
	@bash bench/login.sh $(BUILDDIR)

# exec into a running container next to crun and runc exec, ps, run -d,
# the keeper's RSS (bench/lifecycle.sh; results-lifecycle.md).
.PHONY: bench-lifecycle
bench-lifecycle:
	@bash bench/lifecycle.sh $(BUILDDIR)

clean:
	rm -rf $(BUILDDIR)

# The cgroup v2 suite in a VM (tests/vm/).
-include tests/vm/vm.mk
# The Debian package: make deb, make check-installed (debian/deb.mk).
-include debian/deb.mk

-include $(shell find $(BUILDDIR) -type f -name '*.d' 2>/dev/null)
