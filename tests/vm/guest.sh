#!/bin/bash
# PID 1 of the VM, in the repository (tests/vm/init starts it after
# switch_root): installs the test prefix from the build the host staged,
# runs the suites with tests/run-integration.sh, and powers off.
#
# In the scratch share /run/vm, read: env (from run.sh: REPO BUILDDIR
# TESTROOT SUITES EXCLUDE), stage/ (the host's `make install` of the test
# build), busybox.tar (the suites' test image); written: booted (the guest's
# uptime when this starts), out.log (everything the suites print), counts
# ("PASS FAIL" lines) and done (the exit status).
#
# MUST: the guest compiles nothing of the product: the prefix is the
# host's build, copied.  The guest's root is an overlay on a tmpfs, so
# whatever the suites do (users, prefix, /etc) never reaches the host.
# shellcheck disable=SC2086 # SUITES is a list of files, split on purpose
set -u
S=/run/vm
. $S/env
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
cut -d' ' -f1 /proc/uptime >$S/booted.new && mv $S/booted.new $S/booted
# The guest kernel's modules (from its package, seen through the host's
# root) where the kernel's modprobe looks, so that what a distribution
# loads on demand (inet_diag and tcp_diag for the owner check of published
# ports, for one) loads here too.
if [ -n "${KMODS:-}" ] && [ -d "$KMODS" ]; then
	mkdir -p "/lib/modules/$(uname -r)" &&
	    mount --bind "$KMODS" "/lib/modules/$(uname -r)"
fi

# filter: a bats --filter option that names every test of SUITES whose
# name EXCLUDE (an ERE) does not match; nothing when EXCLUDE is empty.
# (No space and no glob character in it: run-integration.sh splits it.)
filter() {
	[ -n "$EXCLUDE" ] || return 0
	sed -n 's/^@test "\(.*\)" {$/\1/p' $SUITES | grep -Ev -- "$EXCLUDE" |
	    sed 's/[^A-Za-z0-9]/./g' | paste -sd'|' | sed 's/.*/--filter ^(&)$/'
}

suites() {
	echo "vm: $(uname -sr), cgroup2 controllers:" \
	    "$(cat /sys/fs/cgroup/cgroup.subtree_control)"
	# A prefix of the host's seen through the overlay is not ours.
	rm -rf --one-file-system "$TESTROOT"
	bash tests/mkprefix.sh "$TESTROOT" &&
	    cp -a "$S/stage$TESTROOT/." "$TESTROOT/" || {
		echo "vm: FAILED: installing the test prefix $TESTROOT"
		return 1
	}
	# The suites' test image, from the host's busybox.tar (lib.bash
	# imports it under the same name when it is missing).
	"$TESTROOT/usr/sbin/ctr-image" import --quiet --name busybox:latest \
	    $S/busybox.tar || echo "vm: importing busybox.tar failed"
	if [ -n "$EXCLUDE" ]; then
		sed -n 's/^@test "\(.*\)" {$/\1/p' $SUITES | grep -E -- "$EXCLUDE" |
		    sed '1i vm: not run here (VM_EXCLUDE):' | sed '2,$s/^/  /'
	fi
	CTL_COUNTS=$S/counts bash tests/run-integration.sh "$TESTROOT" \
	    "$BUILDDIR" "$(filter) $SUITES"
}

# make vm-bench: bench/run.sh's comparison table, from the host's build.
bench() {
	echo "vm: $(uname -sr), cgroup2 controllers:" \
	    "$(cat /sys/fs/cgroup/cgroup.subtree_control)"
	BENCH_MAIN=1 BENCH_STAGE=$S/bench BENCH_CGROUP=v2 BENCH_VM=0 \
	    BENCH_ROOT=$BENCH_ROOT BENCH_RUNS=${BENCH_RUNS:-50} \
	    R_VM="guest of $(nproc) CPUs" \
	    bash bench/run.sh true "$S/benchout"
}

# In a subshell, so that PID 1 survives whatever happens there; as PID 1,
# bash reaps the orphans of the suites while it waits.
if [ "${MODE:-check}" = bench ]; then
	(bench) </dev/null >$S/out.log 2>&1
else
	(suites) </dev/null >$S/out.log 2>&1
fi
echo $? >$S/done
sync
echo o >/proc/sysrq-trigger
sleep 60
