#!/bin/bash
# make check: lint, unit tests (ASan+UBSan), fuzz smoke and corpus replay,
# then the integration suite against a root-owned test prefix, the
# cgroup v2 suites in a VM, and the Debian package's build, lintian,
# install and installed suites.
# Usage: check.sh MAKE TESTROOT BUILDDIR.  Ends with "N passed, N failed".
set -u
MAKE=${1:-make}
TESTROOT=${2:-/var/lib/ctr-launch-test}
BUILDDIR=${3:-build}
export CTL_COUNTS
CTL_COUNTS=$(mktemp)
trap 'rm -f "$CTL_COUNTS"' EXIT
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "make check: must run as root (it installs a setuid helper" \
	    "into $TESTROOT and creates throwaway users)" >&2
	exit 1
fi

# phase NAME: its heading; the one before it ends with its duration.
phase_name= phase_start=$SECONDS
phase() {
	[ -z "$phase_name" ] || echo "=== $phase_name: $((SECONDS - phase_start)) s"
	phase_name=$1 phase_start=$SECONDS
	echo "=== $1"
}

# counted CMD...: runs a phase that records its own counts; one that
# recorded none (it did not build, install or start) is a failure.
counted() {
	local before
	before=$(wc -l <"$CTL_COUNTS")
	"$@" || true
	if [ "$(wc -l <"$CTL_COUNTS")" = "$before" ]; then
		echo "make check: $* recorded no result (see above)" >&2
		echo "0 1" >>"$CTL_COUNTS"
	fi
}

# The ctr-launch cgroup directories this run creates are removed at the
# end; ones that existed before (a real installation's) are left alone.
cg_before=$(ls -d /sys/fs/cgroup/*/ctr-launch /sys/fs/cgroup/ctr-launch 2>/dev/null)

phase lint
if $MAKE -s lint; then echo "1 0" >>"$CTL_COUNTS"; else echo "0 1" >>"$CTL_COUNTS"; fi

phase build
if ! $MAKE -s BUILDDIR="$BUILDDIR" all; then
	echo "0 1" >>"$CTL_COUNTS"
else
	# A unit test or fuzz target that does not build records no count:
	# counted makes that a failure.
	phase unit
	counted $MAKE -s BUILDDIR="$BUILDDIR" unit

	phase fuzz
	counted $MAKE -s BUILDDIR="$BUILDDIR" fuzz-smoke

	phase integration
	# A prefix left by an earlier run is ours (it carries our marker).
	if [ -e "$TESTROOT/.ctr-launch-test" ]; then
		rm -rf --one-file-system "$TESTROOT"
	fi
	counted $MAKE -s BUILDDIR="$BUILDDIR" TESTROOT="$TESTROOT" integration
	bash tests/integration/cleanup.sh "$TESTROOT"
	rm -rf --one-file-system "$TESTROOT"

	# cgroup v2 for real: the cgroup-sensitive suites in one VM booted
	# with cgroup_no_v1=all (tests/vm/README.md; VMCHECK=0 skips it).
	if [ "${VMCHECK:-1}" != 0 ]; then
		phase vm
		counted $MAKE -s BUILDDIR="$BUILDDIR" TESTROOT="$TESTROOT" vm-check
	fi

	# The functional suites again, against the ASan+UBSan helper
	# (SANCHECK=0 skips this run).
	if [ "${SANCHECK:-1}" != 0 ]; then
		phase integration-san
		sanroot=${SANROOT:-$TESTROOT-san}
		if [ -e "$sanroot/.ctr-launch-test" ]; then
			rm -rf --one-file-system "$sanroot"
		fi
		counted $MAKE -s BUILDDIR="$BUILDDIR" TESTROOT="$TESTROOT" integration-san
		bash tests/integration/cleanup.sh "$sanroot"
		rm -rf --one-file-system "$sanroot"
		# The test-only group of the sanitizer build goes with it.
		getent group "${SAN_GROUP:-ctr-launch-san}" >/dev/null &&
		    groupdel "${SAN_GROUP:-ctr-launch-san}"
	fi

	# The Debian package: clean-clone build, lintian, install, upgrade,
	# statoverride, remove, purge (DEBCHECK=0 skips it).
	if [ "${DEBCHECK:-1}" != 0 ]; then
		phase deb
		counted bash tests/deb/check.sh "$MAKE"
	fi

fi

for d in /sys/fs/cgroup/*/ctr-launch /sys/fs/cgroup/ctr-launch; do
	[ -d "$d" ] || continue
	grep -qxF "$d" <<<"$cg_before" && continue
	find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
	rmdir "$d" 2>/dev/null
done

phase_end=$SECONDS
[ -z "$phase_name" ] || echo "=== $phase_name: $((phase_end - phase_start)) s"
echo "=== make check: $((phase_end / 60)) min $((phase_end % 60)) s"
awk '{p += $1; f += $2} END {printf "%d passed, %d failed\n", p, f; exit (f > 0 || p == 0)}' "$CTL_COUNTS"
