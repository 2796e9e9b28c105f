#!/bin/bash
# bench/run.sh MAKE BUILDDIR: `make bench`.
#
# Measures ctr-launch side by side with a plain exec (the floor),
# bwrap --unshare-all, crun, runc and firejail on the same busybox root, all
# in one interleaved run with warm-up (bench/measure.c), then ctr-launch's
# scale curves (image layers, binds, policy size, running containers), its
# launch phases (strace markers), and image import times (bench/import.sh
# when present).  Prints one markdown report and writes it to
# BUILDDIR/bench/results.md.  Runs as root; everything lives in the
# root-owned scratch prefix BENCH_ROOT and a throwaway user, both removed
# at the end whatever happens.  It measures; it asserts nothing.
#
# bench/import.sh BUILDDIR (the image tool's part) is called, when present,
# from the repository root, with CTL_IMAGETOOL (the installed ctr-image),
# BENCH_STORE (its store), BENCH_WORK (an empty root-owned scratch directory
# on the store's file system) and BENCH_QUICK in its environment should it
# want them; it prints markdown on stdout.  bench/pull.sh BUILDDIR (registry
# pull times) is called the same way, after it.
#
# Environment: BENCH_QUICK=1 (fewer launches, no 1 GB import, a 100 MB
# pull instead of 1 GB),
# BENCH_RUNS, BENCH_WARMUP, BENCH_ROOT (default /var/lib/ctr-launch-bench),
# BENCH_KEEP=1 (keep the scratch prefix for inspection), BENCH_VM=0 (no
# cgroup v2 table from the VM), and, set by tests/vm for its guest:
# BENCH_MAIN=1 (the comparison table alone), BENCH_STAGE=DIR (the timer,
# the kernel floor and ctr-launch's installation under DIR, built on the
# host: nothing is compiled) and BENCH_CGROUP=v2 (the report's v2 goals).
set -u
MAKE=${1:-make}
BUILDDIR=${2:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC" || exit 1
QUICK=${BENCH_QUICK:-0}
MAIN_ONLY=${BENCH_MAIN:-0}
STAGE=${BENCH_STAGE:-}
if [ "$QUICK" = 1 ]; then
	RUNS=${BENCH_RUNS:-20}; WARM=${BENCH_WARMUP:-3}; RATE_N=40
	SCALE_RUNS=15
else
	RUNS=${BENCH_RUNS:-100}; WARM=${BENCH_WARMUP:-10}; RATE_N=200
	SCALE_RUNS=50
fi
B=${BENCH_ROOT:-/var/lib/ctr-launch-bench}
case $BUILDDIR in
/*) OUT=$BUILDDIR/bench ;;
*) OUT=$SRC/$BUILDDIR/bench ;;
esac
LOG=$OUT/logs
RES=$OUT/results.md
M=$OUT/measure

say() { echo "bench: $*" >&2; }
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 1; }
case $B in
/var/lib/?*) ;;
*) say "BENCH_ROOT must be under /var/lib"; exit 1 ;;
esac
mkdir -p "$OUT" "$LOG"
# Nothing of an earlier run may leak into this one's report.
rm -rf "$OUT"/*.tsv "$OUT"/*.raw "$OUT"/*.spec "$OUT"/trace.* "$OUT"/marks* \
    "$OUT/trace-src" "$OUT/trace-hook.patch" "$RES" "${LOG:?}"/*
: >"$LOG/steps.log"
step() { echo "== $*" >>"$LOG/steps.log"; say "$*"; }

# --- 1. What we compare against (Debian packages, only when missing). ---
PKGS="bubblewrap runc crun hyperfine firejail bc"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	step "installing$missing"
	apt-get update -qq >>"$LOG/steps.log" 2>&1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing </dev/null >>"$LOG/steps.log" 2>&1 ||
	    say "apt-get failed; rows of missing launchers will say so"
fi

# --- 2. Scratch prefix, user, rootfs; everything undone by cleanup. ---
USERNAME=
BGPIDS=()
cleanup() {
	local p c
	for p in "${BGPIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${BGPIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$p" 2>/dev/null
	done
	for r in runc crun; do
		[ -d "$B/run/$r" ] || continue
		for c in $($r --root "$B/run/$r" list -q 2>/dev/null); do
			$r --root "$B/run/$r" delete -f "$c" >/dev/null 2>&1
		done
	done
	for c in "$B/ns/crun" "$B/ns/firejail" "$B/ns"; do
		mountpoint -q "$c" 2>/dev/null && umount -l "$c"
	done
	for c in memory/ pids/ cpu/ ""; do
		[ -d /sys/fs/cgroup/${c}ctr-launch-bench-kf ] || continue
		find /sys/fs/cgroup/${c}ctr-launch-bench-kf -depth -type d \
		    -exec rmdir {} + 2>/dev/null
	done
	if [ -n "$USERNAME" ] && id "$USERNAME" >/dev/null 2>&1; then
		local uid
		uid=$(id -u "$USERNAME")
		# The bench user's containers' cgroups (only this uid's).
		for c in /sys/fs/cgroup/*/ctr-launch/u"$uid" \
		    /sys/fs/cgroup/unified/ctr-launch/u"$uid"; do
			[ -d "$c" ] || continue
			[ -e "$c/cgroup.kill" ] && echo 1 >"$c/cgroup.kill" 2>/dev/null
			find "$c" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
			rmdir "$c" 2>/dev/null
		done
		userdel -r -f "$USERNAME" >/dev/null 2>&1
		getent group "$USERNAME" >/dev/null && groupdel "$USERNAME" 2>/dev/null
		rm -rf "/home/${USERNAME:?}"
	fi
	if [ "${BENCH_KEEP:-0}" != 1 ]; then
		rm -rf "$B"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

step "scratch prefix $B"
if [ -d "$B" ]; then
	for c in "$B/ns/crun" "$B/ns/firejail" "$B/ns"; do
		mountpoint -q "$c" 2>/dev/null && umount -l "$c"
	done
	rm -rf "$B"
fi
bash tests/mkprefix.sh "$B" || exit 1
install -d -m 0755 "$B/scratch" "$B/ns" "$B/oci" "$B/run/runc" "$B/run/crun"
ROOTFS=$B/rootfs
bash tests/mkrootfs.sh "$ROOTFS" || exit 1
# Mount points for the host's resolv.conf and hosts in a read-only root.
: >"$ROOTFS/etc/resolv.conf"
: >"$ROOTFS/etc/hosts"
tar -C "$ROOTFS" -cf "$B/scratch/rootfs.tar" . || exit 1

tag=$(printf '%04x' $((RANDOM ^ ($$ & 0xffff))))
USERNAME=cbench$tag
useradd -m -d "/home/$USERNAME" -s /bin/sh -c ctr-launch-bench -U \
    "$USERNAME" || { USERNAME=; say "useradd failed"; exit 1; }
chmod 0700 "/home/$USERNAME"
U_UID=$(id -u "$USERNAME")
U_GID=$(id -g "$USERNAME")
U_GIDS=$(id -G "$USERNAME" | tr ' ' ,)
U_HOME=/home/$USERNAME
CREDS="$U_UID:$U_GID:$U_GIDS"
U_ENV="PATH=/usr/local/bin:/usr/bin:/bin HOME=$U_HOME USER=$USERNAME LOGNAME=$USERNAME LANG=C.UTF-8 TERM=dumb"
as_user() {
	(cd "$U_HOME" && env -i $U_ENV setpriv --reuid="$U_UID" \
	    --regid="$U_GID" --init-groups -- "$@")
}

# --- 3. The timer. ---
KF=$OUT/kfloor
MC=$OUT/machine
if [ -n "$STAGE" ]; then
	cp "$STAGE/measure" "$M" || exit 1
	cp "$STAGE/kfloor" "$KF" 2>/dev/null || KF=
	cp "$STAGE/machine" "$MC" 2>/dev/null || MC=
else
	step "building the timer"
	cc -std=c11 -O2 -Wall -D_GNU_SOURCE -static -o "$M" bench/measure.c 2>>"$LOG/steps.log" ||
	    cc -std=c11 -O2 -Wall -D_GNU_SOURCE -o "$M" bench/measure.c || exit 1
	cc -std=c11 -O2 -Wall -D_GNU_SOURCE -o "$KF" bench/kfloor.c -lseccomp \
	    2>>"$LOG/steps.log" || KF=
	cc -std=c11 -O2 -Wall -D_GNU_SOURCE -o "$MC" bench/machine.c \
	    2>>"$LOG/steps.log" || MC=
fi
bash bench/selftest.sh "$M" >"$LOG/selftest.log" 2>&1 ||
    { cat "$LOG/selftest.log" >&2; say "the timer failed its self-test"; exit 1; }
# What the machine charges for a system call, a page fault and a fork
# (bench/machine.c): the launch table's ratios are read against it.
MACHINE_MD=
if [ -n "$MC" ]; then
	step "the machine's costs (bench/machine.c)"
	MACHINE_MD=$("$MC" 2>>"$LOG/steps.log") || MACHINE_MD=
fi

# --- 4. ctr-launch, built with its paths in the prefix. ---
CTL=$B/usr/bin/ctr-launch
IMG=$B/usr/sbin/ctr-image
POL=$B/usr/sbin/ctr-policy
POLICY=$B/etc/ctr-launch/policy.ini
CTL_REASON=
PAM_NOTE=
install_policy() { # SECTIONS
	bash bench/mkpolicy.sh "$USERNAME" "$1" >"$POLICY.new" &&
	    chown root:root "$POLICY.new" && chmod 0644 "$POLICY.new" &&
	    mv -f "$POLICY.new" "$POLICY"
}
step "building ctr-launch into $B"
if [ -n "$STAGE" ]; then
	cp -a "$STAGE/prefix$B/." "$B/" >"$LOG/build.log" 2>&1 ||
	    CTL_REASON="the staged installation could not be copied"
elif ! $MAKE --no-print-directory BUILDDIR="$BUILDDIR/bench" PREFIX="$B/usr" \
    SYSCONFDIR="$B/etc" STATEDIR="$B/var" RUNDIR="$B/run" \
    PAMDIR="$B/etc/pam.d" install >"$LOG/build.log" 2>&1; then
	CTL_REASON="build failed: $(grep -m1 -E 'error|Error|No rule' "$LOG/build.log" | cut -c1-120)"
elif [ ! -x "$CTL" ] || [ ! -x "$IMG" ]; then
	CTL_REASON="build produced no ctr-launch/ctr-image"
fi
if [ -z "$CTL_REASON" ]; then
	if [ ! -e "$B/etc/pam.d/ctr-launch" ]; then
		# Until etc/pam.d/ctr-launch ships: what it is expected to hold.
		PAM_NOTE="No shipped PAM configuration (etc/pam.d/ctr-launch) yet: measured with a stand-in (account pam_unix, session pam_limits)."
		say "$PAM_NOTE"
		printf '%s\n' "account required pam_unix.so" \
		    "session required pam_limits.so" >"$B/etc/pam.d/ctr-launch"
	fi
	install_policy 0
	if [ -x "$POL" ]; then
		"$POL" check >"$LOG/policy-check.log" 2>&1 ||
		    say "ctr-policy check: $(head -1 "$LOG/policy-check.log")"
	fi
	if ! "$IMG" import --quiet --name busybox "$B/scratch/rootfs.tar" \
	    >"$LOG/import.log" 2>&1; then
		CTL_REASON="ctr-image import failed: $(head -1 "$LOG/import.log")"
	fi
fi
# NET: how ctr-launch gets its own network namespace, as bwrap
# --unshare-all, crun and runc do (the policy also grants "host").
NET=(--network none)
if [ -z "$CTL_REASON" ]; then
	out=$(as_user "$CTL" run --rm "${NET[@]}" busybox /bin/true 2>&1)
	rc=$?
	if [ $rc != 0 ] && as_user "$CTL" run --rm busybox /bin/true \
	    >/dev/null 2>&1; then
		say "ctr-launch: --network none fails ($out); measuring host network"
		NET=()
	elif [ $rc != 0 ]; then
		CTL_REASON="trial launch exit $rc: $(echo "$out" | head -1)"
	fi
fi
CTL_REASON=${CTL_REASON:0:160}
[ -n "$CTL_REASON" ] && say "ctr-launch: not runnable: $CTL_REASON"

# --- 5. The comparison launchers. ---
NO=() # "name: reason" for launchers that cannot run here
have() { command -v "$1" >/dev/null 2>&1; }

# runc and crun: one bundle, the spec each tool writes, adapted.
oci_bundle() { # TOOL
	local d=$B/oci/$1
	mkdir -p "$d" && rm -f "$d/config.json" &&
	    (cd "$d" && $1 spec >/dev/null 2>&1) &&
	    python3 bench/ocispec.py "$d/config.json" "$d/config.json" \
	        "$ROOTFS" "$U_UID" "$U_GID" "$U_GIDS" "$U_HOME" ""
}
# Private mount namespaces, kept in files under $B/ns: crun's without the
# controller-less cgroup2 mount (crun refuses the hybrid layout), and
# firejail's with chroot enabled in its configuration.  The timer joins them
# (setns) before exec.
mount --bind "$B/ns" "$B/ns" && mount --make-private "$B/ns"
if have crun; then
	touch "$B/ns/crun"
	if mountpoint -q /sys/fs/cgroup/unified; then
		unshare --mount="$B/ns/crun" --propagation private \
		    umount /sys/fs/cgroup/unified
	else
		unshare --mount="$B/ns/crun" --propagation private true
	fi
fi
if have firejail; then
	sed 's/^#* *chroot .*/chroot yes/' /etc/firejail/firejail.config \
	    >"$B/firejail.config"
	touch "$B/ns/firejail"
	unshare --mount="$B/ns/firejail" --propagation private \
	    mount --bind "$B/firejail.config" /etc/firejail/firejail.config
fi

SPEC=$OUT/main.spec
: >"$SPEC"
row() { # NAME CREDS NSFILE CWD ENV ARGV...
	local IFS=$'\t'
	echo "$*" >>"$SPEC"
}
row floor "$CREDS" - "$U_HOME" "$U_ENV" "$ROOTFS/bin/busybox" true
# The kernel-work floor (bench/kfloor.c, as root): checked to fail on a bad
# root and to remove its cgroups, then timed like the others.
if [ -n "$KF" ]; then
	install -d -m 0755 "$B/kf" "$B/kf/stage"
	kfa=("$B/kf/stage" "$ROOTFS" "kf-check" "$U_UID" "$U_GID" "$U_HOME")
	if "$KF" "$B/kf/stage" "$B/nonexistent" kf-bad "$U_UID" "$U_GID" \
	    "$U_HOME" 2>/dev/null; then
		NO+=("kernel floor: did not fail on a bad root; not measured")
	elif ! "$KF" "${kfa[@]}" 2>>"$LOG/steps.log"; then
		NO+=("kernel floor: $(tail -1 "$LOG/steps.log")")
	elif [ -e /sys/fs/cgroup/memory/ctr-launch-bench-kf/kf-check ] ||
	    [ -e /sys/fs/cgroup/ctr-launch-bench-kf/kf-check ]; then
		NO+=("kernel floor: left its cgroup behind; not measured")
	else
		row "kernel floor" - - / - "$KF" "$B/kf/stage" "$ROOTFS" \
		    "kf-%n" "$U_UID" "$U_GID" "$U_HOME" /bin/true
		row "kernel floor, no cgroup" - - / - "$KF" "$B/kf/stage" \
		    "$ROOTFS" - "$U_UID" "$U_GID" "$U_HOME" /bin/true
		# The same work as a setuid launcher started by the user, as
		# ctr-launch is: a copy only the bench user's group can run.
		install -d -m 0750 -o root -g "$U_GID" "$B/kfs" &&
		    install -m 4750 -o root -g "$U_GID" "$KF" "$B/kfs/kfloor" &&
		    row "setuid floor" "$CREDS" - "$U_HOME" "$U_ENV" \
		        "$B/kfs/kfloor" "$B/kf/stage" "$ROOTFS" "kfs-%n" \
		        "$U_UID" "$U_GID" "$U_HOME" /bin/true
	fi
	for c in memory/ pids/ cpu/ ""; do
		rmdir /sys/fs/cgroup/${c}ctr-launch-bench-kf/kf-bad 2>/dev/null
	done
else
	NO+=("kernel floor: bench/kfloor.c did not build (libseccomp-dev?)")
fi
if [ -z "$CTL_REASON" ]; then
	row ctr-launch "$CREDS" - "$U_HOME" "$U_ENV" "$CTL" run --rm \
	    "${NET[@]}" busybox /bin/true
	row "ctr-launch (host net)" "$CREDS" - "$U_HOME" "$U_ENV" "$CTL" run \
	    --rm busybox /bin/true
	row "ctr-launch version" "$CREDS" - "$U_HOME" "$U_ENV" "$CTL" version
fi
# bwrap takes a compiled seccomp program on a descriptor: the kernel
# floor's deny list, exported as BPF.
BWRAP_SECCOMP=()
if [ -n "$KF" ] && "$KF" --export-bpf "$B/seccomp.bpf" 2>>"$LOG/steps.log"; then
	BWRAP_SECCOMP=(--seccomp 9 "%<9:$B/seccomp.bpf")
fi
if have bwrap; then
	row bwrap "$CREDS" - "$U_HOME" "$U_ENV" "$(command -v bwrap)" \
	    --unshare-all --die-with-parent --new-session "${BWRAP_SECCOMP[@]}" \
	    --ro-bind "$ROOTFS" / --proc /proc --dev /dev --tmpfs /dev/shm \
	    --tmpfs /tmp --tmpfs /var/tmp --ro-bind /sys /sys \
	    --ro-bind /etc/resolv.conf /etc/resolv.conf \
	    --ro-bind /etc/hosts /etc/hosts \
	    --tmpfs /home --bind "$U_HOME" "$U_HOME" --hostname bench /bin/true
else
	NO+=("bwrap: not installed")
fi
for r in crun runc; do
	if ! have $r; then
		NO+=("$r: not installed")
		continue
	fi
	if ! oci_bundle $r 2>>"$LOG/steps.log"; then
		NO+=("$r: could not write its spec")
		continue
	fi
	ns=-
	[ $r = crun ] && ns=$B/ns/crun
	row $r - "$ns" / "PATH=/usr/sbin:/usr/bin:/sbin:/bin" \
	    "$(command -v $r)" --root "$B/run/$r" run -b "$B/oci/$r" "bench-%n"
done
if have firejail; then
	row firejail "$CREDS" "$B/ns/firejail" "$U_HOME" "$U_ENV" \
	    "$(command -v firejail)" --quiet --noprofile --net=none --seccomp \
	    --caps.drop=all --nonewprivs --private-tmp --chroot="$ROOTFS" /bin/true
else
	NO+=("firejail: not installed")
fi
if have podman; then
	row podman - - / "PATH=/usr/sbin:/usr/bin:/sbin:/bin" \
	    "$(command -v podman)" run --rm --network none --rootfs "$ROOTFS" /bin/true
else
	NO+=("podman: not installed (not part of make deps)")
fi

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
step "main comparison: $RUNS launches each, $WARM warm-up, interleaved"
"$M" seq -n "$RUNS" -w "$WARM" -r "$OUT/main.raw" "$SPEC" >"$OUT/main.tsv" \
    2>>"$LOG/steps.log"
# --- 5a. Cold launches: each after a pause, as a command typed at a
# prompt finds the machine (the table above runs them back to back). ---
COLD_MD=
COLD_RUNS=$((QUICK == 1 ? 8 : 20))
COLD_PAUSE_MS=500
awk -F'\t' '$1 == "ctr-launch" || $1 == "bwrap" || $1 == "crun" ||
    $1 == "setuid floor"' "$SPEC" >"$OUT/cold.spec"
if [ -s "$OUT/cold.spec" ]; then
	step "cold launches: $COLD_RUNS each, ${COLD_PAUSE_MS} ms pause before each"
	if "$M" seq -n "$COLD_RUNS" -w 1 -o -p "$COLD_PAUSE_MS" "$OUT/cold.spec" \
	    >"$OUT/cold.tsv" 2>>"$LOG/steps.log"; then
		COLD_MD=$(python3 - "$OUT/cold.tsv" "$OUT/main.tsv" \
		    "$COLD_RUNS" "$COLD_PAUSE_MS" <<-'PY'
		import sys
		cold = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
		warm = {l.split("\t")[0]: l.split("\t") for l in open(sys.argv[2])}
		print("## Cold launches\n")
		print("Each launch after a pause of %s ms (%s recorded launches "
		      "each, interleaved, rotating order); the main table's "
		      "launches run back to back.\n" % (sys.argv[4], sys.argv[3]))
		print("| launcher | cold median ms | min ms | max ms | back-to-back "
		      "median ms | cold ÷ back-to-back | failed |")
		print("|---|---:|---:|---:|---:|---:|---:|")
		for f in cold:
		    ok, med = int(f[1]), int(f[3]) / 1000
		    w = warm.get(f[0])
		    wm = int(w[3]) / 1000 if w and int(w[1]) > 0 else 0
		    print("| %s | %.2f | %.2f | %.2f | %.2f | %s | %s |" % (
		        f[0], med, int(f[4]) / 1000, int(f[5]) / 1000, wm,
		        "%.2fx" % (med / wm) if wm and ok else "-", f[2]))
		PY
		)
	fi
fi

# Sections 5b to 8 are left out in the VM's guest (BENCH_MAIN=1).
PHASES= IMPORT= HYPER= PULL= PORTS_MD=
if [ "$MAIN_ONLY" != 1 ]; then
step "launch rate: $RATE_N launches, 1 and 2 streams"
"$M" rate -n "$RATE_N" -j 1 "$SPEC" >"$OUT/rate1.tsv" 2>>"$LOG/steps.log"
"$M" rate -n "$RATE_N" -j 2 "$SPEC" >"$OUT/rate2.tsv" 2>>"$LOG/steps.log"

# Cross-check of the timer with hyperfine (not interleaved, as the user).
HYPER=
if have hyperfine; then
	step "cross-check with hyperfine"
	hcmds=("$ROOTFS/bin/busybox true")
	[ -z "$CTL_REASON" ] &&
	    hcmds+=("$CTL run --rm ${NET[*]} busybox /bin/true")
	have bwrap && hcmds+=("$(awk -F'\t' '$1 == "bwrap"' "$OUT/main.spec" |
	    cut -f6- | tr '\t' ' ' | sed 's/ --seccomp 9 %<9:[^ ]*//')")
	if as_user hyperfine -N -w "$WARM" -r "$RUNS" --style none \
	    --export-json "$U_HOME/hyperfine.json" "${hcmds[@]}" \
	    >"$LOG/hyperfine.log" 2>&1; then
		HYPER=$(python3 -c '
import json, sys
print("| command | median ms | min ms | max ms |")
print("|---|---:|---:|---:|")
for r in json.load(open(sys.argv[1]))["results"]:
    c = r["command"]
    c = c if len(c) < 60 else c[:57] + "..."
    print("| `%s` | %.2f | %.2f | %.2f |" % (c, r["median"] * 1e3,
          r["min"] * 1e3, r["max"] * 1e3))' "$U_HOME/hyperfine.json")
	else
		HYPER="hyperfine failed: $(tail -1 "$LOG/hyperfine.log")"
	fi
fi

# --- 6. ctr-launch scale curves. ---
# Each curve's points are measured in passes whose raw times are pooled
# (bench/pool.py).  Layers and binds interleave their points in one pass;
# policy size and running containers change the machine's state between
# points, so they run there and back (A B C C B A) to cancel drift.
SCALE=$OUT/scale.tsv
: >"$SCALE"
scale_spec() { # FILE: start a spec of ctr-launch rows
	SPEC=$1
	: >"$SPEC"
}
scale_pass() { # CURVE SPEC
	"$M" seq -n "$SCALE_RUNS" -w "$WARM" -r "$OUT/$1.raw" "$2" \
	    >/dev/null 2>>"$LOG/steps.log"
}
scale_pool() { # CURVE
	[ -s "$OUT/$1.raw" ] && python3 bench/pool.py "$1" "$OUT/$1.raw" >>"$SCALE"
}
ctl_row() { # NAME [ARG...]: a ctr-launch row as the user
	local n=$1
	shift
	row "$n" "$CREDS" - "$U_HOME" "$U_ENV" "$CTL" run --rm "${NET[@]}" "$@"
}
# Controls, interleaved with ctr-launch at each point of the curves whose
# state changes between points: the kernel floor and bwrap do not read the
# policy nor count containers, so their drift is the machine's.
control_rows() { # POINT
	awk -F'\t' -v p="$1" 'BEGIN { OFS = "\t" }
	    $1 == "kernel floor" || $1 == "bwrap" { $1 = p " [" $1 "]"; print }' \
	    "$OUT/main.spec" >>"$SPEC"
}
bg_to() { # N: exactly N background containers of the user (sleep)
	local p
	while [ ${#BGPIDS[@]} -lt "$1" ]; do
		(cd "$U_HOME" && exec env -i $U_ENV setpriv \
		    --reuid="$U_UID" --regid="$U_GID" --init-groups -- \
		    "$CTL" run --rm "${NET[@]}" busybox sleep 100000 \
		    </dev/null >/dev/null 2>>"$LOG/background.log") &
		BGPIDS+=($!)
	done
	while [ ${#BGPIDS[@]} -gt "$1" ]; do
		p=${BGPIDS[-1]}
		kill -TERM "$p" 2>/dev/null
		for _ in $(seq 1 25); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		unset 'BGPIDS[-1]'
	done
	sleep 1
	ALIVE=0
	for p in "${BGPIDS[@]}"; do
		kill -0 "$p" 2>/dev/null && ALIVE=$((ALIVE + 1))
	done
}
if [ -z "$CTL_REASON" ]; then
	step "scale: image layers"
	scale_spec "$OUT/layers.spec"
	# Layer 1 is the busybox root, each further layer adds one small file
	# (tests/mkarchive.py writes the docker-save archive).
	for i in $(seq 2 50); do
		install -d "$B/scratch/layers/$i/etc/layers"
		echo "layer $i" >"$B/scratch/layers/$i/etc/layers/$i"
	done
	for n in 1 10 50; do
		larg=("$B/scratch/rootfs.tar")
		for i in $(seq 2 $n); do larg+=("$B/scratch/layers/$i"); done
		if python3 tests/mkarchive.py --format docker --out "$B/scratch/l$n.tar" \
		    --tag "bench-l$n:latest" "${larg[@]}" 2>>"$LOG/steps.log" &&
		    "$IMG" import --quiet --name "bench-l$n" "$B/scratch/l$n.tar" \
		        >>"$LOG/import.log" 2>&1; then
			ctl_row "$n layers" "bench-l$n" /bin/true
		else
			printf 'layers\t%s layers\t0\t0\t0\t0\t0\t0\t0\timport failed: %s\n' \
			    $n "$(tail -1 "$LOG/import.log")" >>"$SCALE"
		fi
		rm -f "$B/scratch/l$n.tar"
	done
	[ -s "$SPEC" ] && scale_pass layers "$SPEC"
	scale_pool layers

	step "scale: binds"
	scale_spec "$OUT/binds.spec"
	for n in 1 10 50; do
		args=()
		for i in $(seq 1 $n); do
			install -d -o "$U_UID" -g "$U_GID" -m 0755 "$U_HOME/b$i"
			args+=(-v "$U_HOME/b$i:/mnt/b$i")
		done
		ctl_row "$n binds" "${args[@]}" busybox /bin/true
	done
	scale_pass binds "$SPEC"
	scale_pool binds

	step "scale: policy size"
	for n in 10 1000 10000 10000 1000 10; do
		scale_spec "$OUT/policy-$n.spec"
		ctl_row "$n sections" busybox /bin/true
		control_rows "$n sections"
		install_policy $n
		scale_pass policy "$SPEC"
	done
	install_policy 0
	scale_pool policy

	step "scale: running containers"
	declare -A alive_min=()
	for n in 0 10 50 50 10 0; do
		bg_to $n
		[ -z "${alive_min[$n]:-}" ] || [ "$ALIVE" -lt "${alive_min[$n]}" ] &&
		    alive_min[$n]=$ALIVE
		scale_spec "$OUT/running-$n.spec"
		ctl_row "$n running" busybox /bin/true
		control_rows "$n running"
		scale_pass running "$SPEC"
	done
	bg_to 0
	for n in 0 10 50; do
		[ "${alive_min[$n]}" = $n ] && continue
		echo "running	note: at $n, only ${alive_min[$n]} background containers were alive" >>"$LOG/steps.log"
	done
	scale_pool running
	ALIVE_NOTE=$(for n in 10 50; do
		[ "${alive_min[$n]}" = $n ] ||
		    echo "At $n running, only ${alive_min[$n]} background containers were alive (see logs/background.log)."
	done)
fi

# --- 7. Phases of one launch (strace markers). ---
PHASES=
if [ -z "$CTL_REASON" ]; then
	step "phases (strace)"
	traces=()
	for i in 1 2 3 4 5 6 7; do
		t=$OUT/trace.$i
		(cd "$U_HOME" && env -i $U_ENV strace -f -ttt -T -q -s 256 -o "$t" \
		    -u "$USERNAME" "$CTL" run --rm "${NET[@]}" busybox /bin/true \
		    >/dev/null 2>>"$LOG/steps.log") && traces+=("$t")
	done
	[ ${#traces[@]} -gt 0 ] &&
	    PHASES=$(python3 bench/phases.py "$POLICY" "${traces[@]}")
	# A tracing build: the same sources and paths, with a stamp before each
	# step of helper/main.c (bench/instrument.py edits a copy of the tree,
	# never the repository's file), installed next to ctr-launch.
	step "phases (tracing build)"
	CTLT=$B/usr/bin/ctr-launch-trace
	TSRC=$OUT/trace-src
	rm -rf "$TSRC"
	mkdir -p "$TSRC"
	if git ls-files -z | xargs -0 cp --parents -t "$TSRC" 2>>"$LOG/steps.log" &&
	    python3 bench/instrument.py helper/main.c "$TSRC/helper/main.c" \
	        2>>"$LOG/steps.log" &&
	    { diff -u --label a/helper/main.c --label b/helper/main.c \
	        helper/main.c "$TSRC/helper/main.c" >"$OUT/trace-hook.patch"
	      true; } &&
	    $MAKE --no-print-directory -C "$TSRC" BUILDDIR="$OUT/trace-build" \
	        PREFIX="$B/usr" SYSCONFDIR="$B/etc" STATEDIR="$B/var" \
	        RUNDIR="$B/run" PAMDIR="$B/etc/pam.d" CFLAGS=-DCTL_BENCH_TRACE \
	        "$OUT/trace-build/rel/ctr-launch" >"$LOG/build-trace.log" 2>&1; then
		install -m 4755 -o root -g root "$OUT/trace-build/rel/ctr-launch" \
		    "$CTLT"
		# The timer runs it, keeping each launch's stderr with the
		# stamps (and its own spawn and end stamps around them).
		scale_spec "$OUT/trace.spec"
		row ctr-launch-trace "$CREDS" - "$U_HOME" "$U_ENV" "$CTLT" run \
		    --rm "${NET[@]}" busybox /bin/true
		mkdir -p "$OUT/marks" "$OUT/marks-big"
		"$M" seq -n "$SCALE_RUNS" -w 2 -e "$OUT/marks" "$SPEC" \
		    >/dev/null 2>>"$LOG/steps.log"
		marks=("$OUT"/marks/marks.*)
		[ -e "${marks[0]}" ] && PHASES="$PHASES

$(python3 bench/phases.py --marks "${marks[@]}")"
		# The same with 10,000 policy sections: which steps grow.
		install_policy 10000
		"$M" seq -n "$SCALE_RUNS" -w 2 -e "$OUT/marks-big" "$SPEC" \
		    >/dev/null 2>>"$LOG/steps.log"
		big=("$OUT"/marks-big/marks.*)
		install_policy 0
		[ -e "${marks[0]}" ] && [ -e "${big[0]}" ] && PHASES="$PHASES

Steps that change with the policy's size (medians; differences under 0.2 ms left out):

$(python3 bench/phases.py --compare "10 sections" "10,000 sections" \
    "${marks[@]}" -- "${big[@]}")"
	else
		PHASES="$PHASES

(The tracing build failed: see logs/build-trace.log.)"
	fi
fi

# --- 8. Image import times (the image developer's bench/import.sh). ---
IMPORT=
if [ -z "$CTL_REASON" ] && [ -f bench/import.sh ]; then
	step "import times (bench/import.sh)"
	install -d -m 0700 "$B/scratch/import"
	IMPORT=$(BENCH_QUICK=$QUICK CTL_IMAGETOOL=$IMG BENCH_WORK=$B/scratch/import \
	    BENCH_STORE=$B/var/ctr-launch timeout 900 \
	    bash bench/import.sh "$BUILDDIR" 2>>"$LOG/import-bench.log") ||
	    IMPORT="bench/import.sh failed: $(tail -1 "$LOG/import-bench.log")"
	if [ "$QUICK" != 1 ]; then
		IMPORT="$IMPORT
$(IMPORT_MB=1000 RUNS=1 CTL_IMAGETOOL=$IMG BENCH_WORK=$B/scratch/import \
		    BENCH_STORE=$B/var/ctr-launch timeout 1800 \
		    bash bench/import.sh "$BUILDDIR" 2>>"$LOG/import-bench.log" ||
		    echo "bench/import.sh (1 GB) failed: $(tail -1 "$LOG/import-bench.log")")"
	fi
fi

# --- 8b. Registry pull times (bench/pull.sh, ~1 GB; BENCH_QUICK: ~100 MB). ---
PULL=
if [ -z "$CTL_REASON" ] && [ -f bench/pull.sh ]; then
	step "pull times (bench/pull.sh)"
	PULL=$(BENCH_QUICK=$QUICK timeout 3600 \
	    bash bench/pull.sh "$BUILDDIR" 2>>"$LOG/pull-bench.log") ||
	    PULL="bench/pull.sh failed: $(tail -1 "$LOG/pull-bench.log")"
fi

# --- 8c. Published ports (bench/ports.sh, when present). ---
PORTS_MD=
if [ -z "$CTL_REASON" ] && [ -f bench/ports.sh ]; then
	step "published ports (bench/ports.sh)"
	PORTS_MD=$(CTL=$CTL POLICY=$POLICY BENCH_USER=$USERNAME \
	    BENCH_QUICK=$QUICK timeout 900 bash bench/ports.sh \
	    2>>"$LOG/ports-bench.log") ||
	    PORTS_MD="bench/ports.sh failed: $(tail -1 "$LOG/ports-bench.log")"
fi

fi # MAIN_ONLY

# --- 9. The report. ---
step "report"
R_RUNS=$RUNS R_WARM=$WARM R_RATE_N=$RATE_N R_SCALE_RUNS=$SCALE_RUNS \
    R_QUICK=$QUICK R_CTL_REASON=$CTL_REASON R_PHASES=$PHASES \
    R_LOAD="$LOAD_START / $(cut -d' ' -f1-3 /proc/loadavg)" \
    R_PAM=$PAM_NOTE R_IMPORT=$IMPORT R_PULL=${PULL:-} R_HYPER=$HYPER R_ALIVE=${ALIVE_NOTE:-} R_NET="${NET[*]}" R_NO="$(printf '%s\n' "${NO[@]}")" \
    python3 bench/report.py "$OUT" >"$RES"
[ -n "$COLD_MD" ] && printf '\n%s\n' "$COLD_MD" >>"$RES"
[ -n "$MACHINE_MD" ] && printf '\n## The machine\n\n%s\n\n%s\n' \
    "What one operation costs on this machine (bench/machine.c): the launchers above differ in how many system calls, page faults and new address spaces (forks) a launch takes." \
    "$MACHINE_MD" >>"$RES"
[ -n "$PORTS_MD" ] && printf '%s\n' "$PORTS_MD" >>"$RES"
cat "$RES"
say "written to $RES"
