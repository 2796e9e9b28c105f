#!/bin/bash
# `make vm-check`: boots one QEMU VM with a stock Debian kernel, cgroup v2
# only (cgroup_no_v1=all), and runs the cgroup-sensitive suites in it
# against the test build made on the host (tests/vm/README.md).
# Environment (tests/vm/vm.mk): MAKE BUILDDIR TESTROOT VM_DIR VM_KERNEL_PKG
# VM_QEMU VM_MEM VM_CPUS VM_ACCEL VM_TIMEOUT VM_BOOT_TIMEOUT VM_SUITES
# VM_EXCLUDE VM_APPEND VM_QEMU_OPTS; for `make vm-bench`: VM_MODE=bench
# VM_BENCH_ROOT VM_BENCH_RUNS.
#
# Prints the suites' output as it comes, then the timings; appends the
# guest's "PASS FAIL" lines to $CTL_COUNTS when set.
# MUST: a VM that does not boot, or does not finish, is a failure (one
# counted), with the reason and the end of its console, never a skip.
# MUST: nothing is left behind: qemu is killed by its pid, the scratch
# directory is removed, nothing is mounted or installed on the host.
set -u
cd "$(dirname "$0")/../.." || exit 1
t0=$SECONDS
qpid=
scratch=

cleanup() {
	if [ -n "$qpid" ]; then
		kill -KILL "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
	fi
	if [ -n "$scratch" ]; then
		rm -rf --one-file-system "$scratch"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

count() {
	if [ -n "${CTL_COUNTS:-}" ]; then echo "$1 $2" >>"$CTL_COUNTS"; fi
}

# fail REASON: the whole VM phase counts as one failure.
fail() {
	echo "vm: FAILED: $*"
	count 0 1
	echo "vm: whole VM phase $((SECONDS - t0))s"
	exit 1
}

# console_tail: the end of the guest's console, for a failure's reason.
console_tail() {
	echo "vm: last lines of the console:"
	tail -n 25 "$scratch/console.log" 2>/dev/null | tr -d '\r' |
	    sed 's/^/  | /'
	sed 's/^/  qemu: /' "$scratch/qemu.log" 2>/dev/null
}

command -v "$VM_QEMU" >/dev/null ||
    fail "$VM_QEMU not found (make deps installs it)"
kdir=$(bash tests/vm/kernel.sh "$VM_DIR" "$VM_KERNEL_PKG") ||
    fail "no kernel from $VM_KERNEL_PKG"
kernel=$(ls "$kdir"/boot/vmlinuz-*)
scratch=$(mktemp -d "$(realpath "$VM_DIR")/run.XXXXXX")
bash tests/vm/initramfs.sh "$kdir" "$scratch/initramfs" ||
    fail "building the initramfs"
if [ "${VM_MODE:-check}" = bench ]; then
	# make vm-bench: bench/run.sh's comparison table in the guest, from
	# a build made here (its prefix, the timer, the kernel floor, the
	# machine's costs).
	bs=$scratch/bench
	mkdir -p "$bs" &&
	    $MAKE -s BUILDDIR="$BUILDDIR/bench" PREFIX="$VM_BENCH_ROOT/usr" \
	        SYSCONFDIR="$VM_BENCH_ROOT/etc" STATEDIR="$VM_BENCH_ROOT/var" \
	        RUNDIR="$VM_BENCH_ROOT/run" PAMDIR="$VM_BENCH_ROOT/etc/pam.d" \
	        DESTDIR="$bs/prefix" install >/dev/null &&
	    cc -std=c11 -O2 -Wall -D_GNU_SOURCE -static -o "$bs/measure" \
	        bench/measure.c &&
	    cc -std=c11 -O2 -Wall -D_GNU_SOURCE -o "$bs/kfloor" bench/kfloor.c \
	        -lseccomp &&
	    cc -std=c11 -O2 -Wall -D_GNU_SOURCE -static -o "$bs/machine" \
	        bench/machine.c || fail "building the benchmark for the guest"
else
	# The test build, installed as `make test-install` would, into the
	# scratch directory (0700: its setuid helper is nobody else's to run).
	$MAKE -s BUILDDIR="$BUILDDIR" TESTROOT="$TESTROOT" \
	    VM_STAGE="$scratch/stage" vm-stage >/dev/null ||
	    fail "installing the test build for the guest"
fi
# The suites' busybox image (tests/integration/lib.bash), made here where
# a fork costs nothing; the guest imports it once for all of them.
(bash tests/mkrootfs.sh "$scratch/rootfs" &&
    tar -C "$scratch/rootfs" -cf "$scratch/busybox.tar" . &&
    rm -rf "$scratch/rootfs") || fail "making the busybox root filesystem"
{
	# shellcheck disable=SC2086,SC2116 # one line, single spaces
	printf 'REPO=%q\nBUILDDIR=%q\nTESTROOT=%q\nSUITES=%q\nEXCLUDE=%q\n' \
	    "$PWD" "$BUILDDIR" "$TESTROOT" "$(echo $VM_SUITES)" "$VM_EXCLUDE"
	printf 'MODE=%q\nBENCH_ROOT=%q\nBENCH_RUNS=%q\n' "${VM_MODE:-check}" \
	    "${VM_BENCH_ROOT:-}" "${VM_BENCH_RUNS:-}"
	# The kernel's own modules, for the guest's on-demand loading.
	printf 'KMODS=%q\n' "$(realpath "$kdir"/lib/modules/*)"
} >"$scratch/env"

# KVM when a probe boot (no root file system: the kernel panics at once)
# gets as far as the panic; TCG otherwise.
accel=$VM_ACCEL
if [ "$accel" = auto ]; then
	accel=tcg
	if [ -w /dev/kvm ]; then
		(timeout -s KILL 20 "$VM_QEMU" -accel kvm -cpu host -m 128 \
		    -nographic -nodefaults -monitor none -nic none -no-reboot \
		    -serial "file:$scratch/probe.log" -kernel "$kernel" \
		    -append 'console=ttyS0 panic=-1'; true) </dev/null >/dev/null 2>&1
		grep -q 'Kernel panic' "$scratch/probe.log" 2>/dev/null && accel=kvm
	fi
fi
case $accel in
kvm) accel_opts=(-accel kvm -cpu host) ;;
tcg) accel_opts=(-accel tcg,thread=multi -cpu max) ;;
*) fail "VM_ACCEL=$accel: auto, kvm or tcg" ;;
esac

# QEMU's option syntax doubles a comma inside a value.
root9p=local,path=/,mount_tag=host,security_model=passthrough
root9p=$root9p,readonly=on,multidevs=remap
scratch9p="local,path=${scratch//,/,,},mount_tag=scratch"
scratch9p=$scratch9p,security_model=passthrough
echo "vm: booting $(basename "$kernel") ($accel, $VM_CPUS CPUs, $VM_MEM)"
tb=$SECONDS
"$VM_QEMU" "${accel_opts[@]}" -m "$VM_MEM" -smp "$VM_CPUS" \
    -nographic -nodefaults -monitor none -nic none -no-reboot \
    -serial "file:$scratch/console.log" \
    -kernel "$kernel" -initrd "$scratch/initramfs" \
    -append "console=ttyS0 panic=-1 quiet cgroup_no_v1=all $VM_APPEND" \
    -virtfs "$root9p" -virtfs "$scratch9p" $VM_QEMU_OPTS \
    </dev/null >"$scratch/qemu.log" 2>&1 &
qpid=$!

# show: what the guest's suites printed since the last call.
shown=0
show() {
	local n
	n=$(stat -c %s "$scratch/out.log" 2>/dev/null) || return 0
	[ "$n" -gt "$shown" ] || return 0
	tail -c +$((shown + 1)) "$scratch/out.log" | head -c $((n - shown))
	shown=$n
}

why=
boot=
booted() {
	if [ -z "$boot" ] && [ -e "$scratch/booted" ]; then
		boot=$((SECONDS - tb))
		echo "vm: booted in ${boot}s (guest uptime $(cat "$scratch/booted")s)"
	fi
}
while kill -0 "$qpid" 2>/dev/null; do
	booted
	show
	if [ -z "$boot" ] && [ $((SECONDS - tb)) -ge "$VM_BOOT_TIMEOUT" ]; then
		why="no boot within VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT}s"
	elif [ $((SECONDS - tb)) -ge "$VM_TIMEOUT" ]; then
		why="killed after VM_TIMEOUT=${VM_TIMEOUT}s"
	fi
	if [ -n "$why" ]; then
		kill -KILL "$qpid"
		break
	fi
	sleep 1
done
wait "$qpid" 2>/dev/null
qrc=$?
qpid=
booted
show
suites=$((SECONDS - tb - ${boot:-0}))

if [ ! -e "$scratch/booted" ]; then
	console_tail
	fail "the guest did not boot (${why:-qemu exited with status $qrc})"
fi
rc=0
if [ "${VM_MODE:-check}" = bench ]; then
	res=$scratch/benchout/bench/results.md
	if [ -s "$res" ] && [ "$(cat "$scratch/done" 2>/dev/null)" = 0 ]; then
		mkdir -p "$BUILDDIR/bench"
		cp "$res" "$BUILDDIR/bench/results-v2.md"
		echo "vm: the guest's table is in $BUILDDIR/bench/results-v2.md"
	else
		[ -s "$scratch/done" ] || console_tail
		echo "vm: FAILED: the guest's benchmark did not finish" \
		    "(${why:-status $(cat "$scratch/done" 2>/dev/null)})"
		tail -n 20 "$scratch/benchout/bench/logs/steps.log" 2>/dev/null
		rc=1
	fi
	echo "vm: boot ${boot}s, benchmark ${suites}s, whole ${SECONDS}s"
	exit $rc
fi
if [ -s "$scratch/counts" ]; then
	cat "$scratch/counts" >>"${CTL_COUNTS:-/dev/null}"
	[ "$(cat "$scratch/done" 2>/dev/null)" = 0 ] || rc=1
	total=$(awk '{n += $1 + $2} END {print n + 0}' "$scratch/counts")
	if [ "$total" = 0 ]; then
		echo "vm: FAILED: the guest ran no test"
		count 0 1
		rc=1
	fi
else
	# The suites did not get to the end: what they reported so far
	# counts, and the end that never came counts as one failure.
	if [ -s "$scratch/done" ]; then
		why="the suites ended with status $(cat "$scratch/done")"
	else
		console_tail
		why="the guest did not finish (${why:-qemu exited with status $qrc})"
	fi
	touch "$scratch/out.log"
	ok=$(grep -c '^ok ' "$scratch/out.log")
	skip=$(grep -c '^ok .*# skip' "$scratch/out.log")
	nok=$(grep -c '^not ok ' "$scratch/out.log")
	echo "vm: FAILED: $why; before that: $((ok - skip)) passed, $nok failed"
	count $((ok - skip)) $((nok + 1))
	rc=1
fi
echo "vm: boot ${boot}s, suites ${suites}s, whole VM phase $((SECONDS - t0))s"
exit $rc
