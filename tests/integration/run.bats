#!/usr/bin/env bats
# ctr-launch run, end to end, as real throwaway users: identity, what
# nobody gets, environment, exit status, signals, the pty, leftovers, and
# the refusals of the command line and the plan.

load lib

bats_require_minimum_version 1.5.0

setup_file() {
	export RT_TAG RT_A RT_B RT_C RT_GRP RT_SEC RT_NEG RT_ARGC0 RT_RUNMOUNTS
	RT_RUNMOUNTS=$(run_mounts)
	RT_TAG=$(ctl_tag)
	RT_A=rta$RT_TAG RT_B=rtb$RT_TAG RT_C=rtc$RT_TAG
	RT_GRP=rtg$RT_TAG RT_SEC=rts$RT_TAG RT_NEG=rtn$RT_TAG
	ctl_groupadd "$RT_GRP"
	ctl_groupadd "$RT_SEC"
	ctl_groupadd "$RT_NEG"
	ctl_useradd "$RT_A" -G "$RT_GRP,$RT_SEC,$RT_NEG"
	ctl_useradd "$RT_B" -G "$RT_GRP"
	ctl_useradd "$RT_C"
	# A file only the group can read, and one the group may NOT read
	# (others may): exact supplementary groups are needed for both.
	install -o root -g "$RT_SEC" -m 0640 /dev/null "/home/$RT_A/groupfile"
	echo group-secret >"/home/$RT_A/groupfile"
	install -o root -g "$RT_NEG" -m 0604 /dev/null "/home/$RT_A/negfile"
	echo neg-secret >"/home/$RT_A/negfile"
	rt_policy
	ctl_image_busybox
	RT_ARGC0=$BATS_FILE_TMPDIR/argc0
	printf '%s\n' '#include <unistd.h>' \
	    'int main(int c, char **v) { char *a[] = { NULL };' \
	    'char *e[] = { "GCONV_PATH=.", "PATH=GCONV_PATH=.", "x", NULL };' \
	    'execve(v[1], a, e); return 99; }' >"$RT_ARGC0.c"
	cc -o "$RT_ARGC0" "$RT_ARGC0.c"
	chmod 0755 "$BATS_FILE_TMPDIR" "$RT_ARGC0"
}

# rt_policy [NETWORK]: the suite's policy (network = NETWORK, default host).
rt_policy() {
	ctl_policy <<EOF
[global]
max_total_containers = 64

[default]
max_containers = 4
binds = %h:%h
user_binds = %h
cpus = 1
memory = 1G
pids = 256
tmpfs_size = 64M
network = ${1:-host}

[group:$RT_GRP]
images = busybox
EOF
}

teardown_file() {
	for u in "$RT_A" "$RT_B" "$RT_C"; do ctl_userdel "$u"; done
	for g in "$RT_GRP" "$RT_SEC" "$RT_NEG"; do groupdel "$g" 2>/dev/null || true; done
}

# as USER ARGS...: ctr-launch ARGS as USER.
as() {
	local u=$1
	shift
	ctl_as "$u" "$CTL_BIN" "$@"
}

# in_a INPUT ARGS...: ctr-launch ARGS as RT_A with INPUT on stdin.
in_a() {
	local input=$1
	shift
	printf '%s\n' "$input" | ctl_as "$RT_A" "$CTL_BIN" "$@"
}

# late_a INPUT ARGS...: like in_a under script(1), INPUT a second later.
late_a() {
	local input=$1
	shift
	(sleep 1; printf '%s\n' "$input") | ctl_as "$RT_A" script -qec "$*" /dev/null
}

# limits_a: ctr-launch run ... from the home, with umask 027 and 200 fds.
limits_a() {
	(cd "/home/$RT_A" && ctl_as "$RT_A" sh -c "umask 027; ulimit -n 200; $CTL_BIN run busybox sh -c 'pwd; umask; ulimit -n'")
}

# fds_a: ctr-launch run with fd 7 and fd 9 inherited from the caller.
fds_a() {
	ctl_as "$RT_A" sh -c "exec 7</etc/passwd 9</; $CTL_BIN run busybox sh -c 'ls /proc/\$\$/fd; true'"
}

# closed_a: ctr-launch run with stdin, stdout and stderr closed.
closed_a() {
	ctl_as "$RT_A" sh -c "$CTL_BIN run busybox true <&- >&- 2>&-"
}

# find_pid MARKER WHAT: the pid of P0 (front), K (keeper) or P1 (init).
find_pid() {
	local p u
	for p in $(pgrep -f -- "$1"); do
		[ "$(ps -o comm= -p "$p")" = ctr-launch ] || continue
		u=$(awk '/^Uid/ {print $2}' "/proc/$p/status")
		if [ "$(readlink "/proc/$p/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]; then
			[ "$2" = init ] && echo "$p"
		elif [ "$u" = 0 ]; then
			[ "$2" = keeper ] && echo "$p"
		else
			[ "$2" = front ] && echo "$p"
		fi
	done
	return 0
}

# wait_pid MARKER WHAT: find_pid, waiting up to 5 s for the payload to run.
wait_pid() {
	local p
	for _ in $(seq 50); do
		p=$(find_pid "$1" "$2")
		if [ -n "$p" ] && pgrep -u "$RT_A" -x sleep >/dev/null; then
			echo "$p"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# nothing_left MARKER USER: no process carries MARKER, USER has no process
# left, and no mount of the store is visible in the host's namespace.
nothing_left() {
	local i
	for i in $(seq 50); do
		if ! pgrep -f -- "$1" >/dev/null && ! pgrep -u "$2" >/dev/null; then
			break
		fi
		sleep 0.1
	done
	! pgrep -af -- "$1" || false
	! pgrep -u "$2" || false
	! grep -F "$CTL_STORE" /proc/self/mountinfo || false
	# The scratch tmpfs over the runtime directory never shows on the host:
	# as many mounts there as before the suite (the installed package's
	# is /run, itself a mount on most hosts).
	[ "$(run_mounts)" = "$RT_RUNMOUNTS" ]
}

# run_mounts: how many mounts sit on the runtime directory or below it.
run_mounts() {
	awk -v r="${CTL_RUNDIR:-$CTL_ROOT/run}" '$5 == r || index($5, r "/") == 1' \
	    /proc/self/mountinfo | wc -l
}

@test "identity: uid, gid and exactly the caller's groups, with names" {
	run as "$RT_A" run busybox sh -c 'id -u; id -g; id -G | tr " " "\n" | sort -n | tr "\n" " "; echo; whoami; id -gn'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(id -u "$RT_A")" ]
	[ "${lines[1]}" = "$(id -g "$RT_A")" ]
	[ "${lines[2]}" = "$(id -G "$RT_A" | tr ' ' '\n' | sort -n | tr '\n' ' ')" ]
	[ "${lines[3]}" = "$RT_A" ]
	[ "${lines[4]}" = "$RT_A" ]
}

@test "groups: a group-only file is readable, a negative-group file is not" {
	run as "$RT_A" run busybox cat "/home/$RT_A/groupfile"
	[ "$status" -eq 0 ]
	[ "$output" = group-secret ]
	run as "$RT_A" run busybox cat "/home/$RT_A/negfile"
	[ "$status" -ne 0 ]
	[[ "$output" != *neg-secret* ]]
	# The other user is in neither group: the group file stays closed.
	run as "$RT_B" run busybox cat "/home/$RT_A/groupfile"
	[ "$status" -ne 0 ]
}

@test "home: writable by its owner, the other user's home is not reachable" {
	run as "$RT_A" run busybox sh -c "echo hi >/home/$RT_A/written && cat /home/$RT_A/written"
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	[ "$(stat -c %U "/home/$RT_A/written")" = "$RT_A" ]
	run as "$RT_A" run busybox sh -c "ls /home/$RT_B || echo no-home; touch /home/$RT_B/x"
	[ "$status" -ne 0 ]
	[ ! -e "/home/$RT_B/x" ]
}

@test "environment: HOME, USER, LOGNAME, SHELL, PATH set from the kernel's identity" {
	run ctl_as "$RT_A" env USER=root LOGNAME=root HOME=/root SHELL=/bin/evil \
	    "$CTL_BIN" run busybox sh -c 'echo "$HOME|$USER|$LOGNAME|$SHELL|$PATH"'
	[ "$status" -eq 0 ]
	[ "$output" = "/home/$RT_A|$RT_A|$RT_A|/bin/sh|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ]
	# HOSTNAME is the container's, as Docker sets it.
	run ctl_as "$RT_A" env HOSTNAME=host "$CTL_BIN" run --hostname lab busybox env
	[ "$status" -eq 0 ]
	grep -qx HOSTNAME=lab <<<"$output"
}

@test "environment: loader and other caller variables never reach the container" {
	cat >"$BATS_TEST_TMPDIR/evil.c" <<'EOF'
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void) {
	char p[64] = "/tmp/rt-pwned.";
	p[14] = '0' + (geteuid() == 0);
	close(open(p, O_CREAT | O_WRONLY, 0644));
}
EOF
	cc -shared -fPIC -o "$BATS_TEST_TMPDIR/evil.so" "$BATS_TEST_TMPDIR/evil.c"
	chmod 0755 "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/evil.so"
	rm -f /tmp/rt-pwned.0 /tmp/rt-pwned.1
	run ctl_as "$RT_A" env LD_PRELOAD="$BATS_TEST_TMPDIR/evil.so" \
	    LD_LIBRARY_PATH=/tmp GCONV_PATH=/tmp LOCPATH=/tmp SECRET_TOKEN=s3 \
	    LC_ALL=../../../tmp/x "$CTL_BIN" run busybox env
	[ "$status" -eq 0 ]
	[[ "$output" != *LD_PRELOAD* ]]
	[[ "$output" != *LD_LIBRARY_PATH* ]]
	[[ "$output" != *GCONV_PATH* ]]
	[[ "$output" != *LOCPATH* ]]
	[[ "$output" != *SECRET_TOKEN* ]]
	[[ "$output" != *LC_ALL* ]]
	[[ "$output" == *LANG=C.UTF-8* ]]
	[ ! -e /tmp/rt-pwned.1 ]
	rm -f /tmp/rt-pwned.0
}

@test "environment: -e and --env-file, read as the caller, in order" {
	printf 'A=file\nB=file\n# c\nSECRET_TOKEN\n' >"/home/$RT_A/env.list"
	printf 'D=second\nA=second\nB=second\n' >"/home/$RT_A/env2.list"
	chown "$RT_A:" "/home/$RT_A/env.list" "/home/$RT_A/env2.list"
	run ctl_as "$RT_A" env SECRET_TOKEN=fromcaller "$CTL_BIN" run \
	    --env-file env.list -e B=opt -e C busybox sh -c 'echo "$A|$B|$SECRET_TOKEN|${C-unset}"'
	[ "$status" -eq 0 ]
	[ "$output" = "file|opt|fromcaller|unset" ]
	# Several files, as docker run reads them: in order, the later file
	# winning, -e over all.
	run ctl_as "$RT_A" "$CTL_BIN" run --env-file env.list --env-file env2.list \
	    -e B=opt busybox sh -c 'echo "$A|$B|$D"'
	[ "$status" -eq 0 ]
	[ "$output" = "second|opt|second" ]
	# A file the caller cannot read is refused, although root could,
	# also after one it can read.
	run as "$RT_A" run --env-file /etc/shadow busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--env-file /etc/shadow"* ]]
	run as "$RT_A" run --env-file "/home/$RT_A/env.list" --env-file /etc/shadow busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--env-file /etc/shadow"* ]]
	[ "${#lines[@]}" = 1 ]
	run as "$RT_A" run --env-file /dev/zero busybox true
	[ "$status" -eq 125 ]
}

@test "nothing: every capability set empty, NoNewPrivs set" {
	run as "$RT_A" run busybox grep -E '^(Cap|NoNewPrivs)' /proc/self/status
	[ "$status" -eq 0 ]
	for k in CapInh CapPrm CapEff CapBnd CapAmb; do
		[[ "$output" == *"$k:	0000000000000000"* ]]
	done
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	# The container's init too.
	run as "$RT_A" run busybox grep -E '^(CapBnd|CapPrm|Uid)' /proc/1/status
	[[ "$output" == *"CapBnd:	0000000000000000"* ]]
	[[ "$output" == *"Uid:	$(id -u "$RT_A")	"* ]]
}

@test "nothing: only fds 0-2 reach the payload, cwd and root inside" {
	run as "$RT_A" run busybox sh -c 'ls /proc/$$/fd; readlink /proc/$$/cwd; readlink /proc/$$/root'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = 2 ]
	[ "${lines[3]}" = "/home/$RT_A" ]
	[ "${lines[4]}" = / ]
}

@test "inherited descriptors never reach the container; closed stdio works" {
	run fds_a
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | tr '\n' ' ')" = "0 1 2 " ]
	run closed_a
	[ "$status" -eq 0 ]
}

@test "the front drops everything once the keeper runs; the keeper is root" {
	local m=rt-front-$RT_TAG p0 k
	ctl_as "$RT_A" sh -c "ulimit -S -t 1000; exec $CTL_BIN run busybox sh -c 'sleep 60' $m" &
	local bg=$!
	p0=$(wait_pid "$m" front)
	k=$(find_pid "$m" keeper)
	[ -n "$p0" ] && [ -n "$k" ]
	uid=$(id -u "$RT_A")
	grep -q "^Uid:	$uid	$uid	$uid	$uid" "/proc/$p0/status"
	grep -q "^CapEff:	0000000000000000" "/proc/$p0/status"
	grep -q "^CapPrm:	0000000000000000" "/proc/$p0/status"
	# Not dumpable: its /proc files belong to root, not to the caller.
	[ "$(stat -c %u "/proc/$p0/environ")" = 0 ]
	[ "$(stat -c %u "/proc/$k/environ")" = 0 ]
	grep -q "^Uid:	0	0	0	0" "/proc/$k/status"
	# Step 0 in the privileged processes: umask 077.
	grep -q "^Umask:	0077" "/proc/$k/status"
	grep -qE "^Groups:[[:space:]]*$" "/proc/$k/status"
	# The caller's CPU limit does not bind the privileged keeper.
	grep -E '^Max cpu time +unlimited' "/proc/$k/limits"
	# Nor can the caller trace it.
	run ctl_as "$RT_A" kill -STOP "$k"
	[ "$status" -ne 0 ]
	kill -TERM "$p0"
	wait $bg || true
	nothing_left "$m" "$RT_A"
}

@test "libpam: not linked into the helper; loaded by the keeper that runs PAM, never by the front" {
	local m=rt-pamdl-$RT_TAG p0 k
	run readelf -d "$CTL_BIN"
	[ "$status" = 0 ]
	[[ "$output" == *"(NEEDED)"* ]]
	[[ "$output" != *libpam* ]]
	ctl_as "$RT_A" "$CTL_BIN" run busybox sh -c 'sleep 60' "$m" &
	local bg=$!
	p0=$(wait_pid "$m" front)
	k=$(find_pid "$m" keeper)
	[ -n "$p0" ] && [ -n "$k" ]
	grep -q '/libpam\.so' "/proc/$k/maps"
	! grep -q '/libpam\.so' "/proc/$p0/maps" || false
	kill -TERM "$p0"
	wait $bg || true
	nothing_left "$m" "$RT_A"
}

# early_abort MARKER: launches with the container's setup held 3 s at
# sethostname (strace runs the helper as the user, setuid honoured), sends
# SIGINT to the front, prints "status N" and the output.
early_abort() {
	local p0= st=0
	strace -f -o /dev/null -e trace=sethostname \
	    -e inject=sethostname:delay_enter=3000000 -u "$RT_A" \
	    "$CTL_BIN" run busybox sh -c 'echo ran' "$1" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local bg=$!
	for _ in $(seq 50); do
		p0=$(find_pid "$1" front)
		[ -n "$p0" ] && [ -n "$(find_pid "$1" init)" ] && break
		sleep 0.1
	done
	[ -n "$p0" ] && kill -INT "$p0"
	wait $bg || st=$?
	echo "status $st"
	cat "$BATS_TEST_TMPDIR/out"
}

@test "a signal before the container runs aborts the launch with 128+N" {
	local m=rt-early-$RT_TAG
	for _ in 1 2 3 4 5; do
		run early_abort "$m"
		# strace's delay injection sometimes loses a tracee that is
		# killed mid-delay ("delayed wait data", then the keeper is
		# gone with it): try again then.
		[[ "$output" == *"keeper process died"* &&
		    "$output" == *"delayed wait data"* ]] || break
	done
	[[ "$output" != *"keeper process died"* ]] || skip "strace lost the keeper each time"
	[ "${lines[0]}" = "status 130" ]
	[[ "$output" != *ran* ]]
	nothing_left "$m" "$RT_A"
}

@test "identity: refused for root, an unknown uid, an unknown group" {
	run "$CTL_BIN" run busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"refusing to run a container as root"* ]]
	run setpriv --reuid="$RT_A" --regid=0 --clear-groups "$CTL_BIN" run busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"as root"* ]]
	run setpriv --reuid=54321 --regid=54321 --clear-groups "$CTL_BIN" run busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot look up your uid 54321"* ]]
	run setpriv --reuid="$RT_A" --regid="$(id -g "$RT_A")" --groups=54322 "$CTL_BIN" run busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot look up your group 54322"* ]]
}

@test "signal dispositions: the caller's ignored signals are not inherited" {
	run ctl_as "$RT_A" sh -c "trap '' INT QUIT TERM HUP; $CTL_BIN run busybox grep -E '^Sig(Ign|Blk)' /proc/self/status"
	[ "$status" -eq 0 ]
	[[ "$output" == *"SigIgn:	0000000000000000"* ]]
	[[ "$output" == *"SigBlk:	0000000000000000"* ]]
	# Also libc's own signals (32, 33), which sigaction(2) in libc refuses.
	printf '%s\n' '#include <unistd.h>' '#include <sys/syscall.h>' \
	    'int main(int c, char **v) { unsigned long k[8] = { 1 };' \
	    'syscall(SYS_rt_sigaction, 32, k, 0, 8);' \
	    'syscall(SYS_rt_sigaction, 33, k, 0, 8);' \
	    'execv(v[1], v + 1); return 99; }' >"$BATS_TEST_TMPDIR/ign.c"
	cc -o "$BATS_TEST_TMPDIR/ign" "$BATS_TEST_TMPDIR/ign.c"
	chmod 0755 "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/ign"
	run ctl_as "$RT_A" "$BATS_TEST_TMPDIR/ign" "$CTL_BIN" run busybox grep '^SigIgn' /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "SigIgn:	0000000000000000" ]
}

@test "policy: an invalid or untrusted policy refuses every launch" {
	cp "$CTL_POLICY" "$BATS_TEST_TMPDIR/saved"
	printf '[default]\nbogus_key = 1\n' | ctl_policy
	run as "$RT_A" run busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"is invalid, see ctr-policy check"* ]]
	ctl_policy <"$BATS_TEST_TMPDIR/saved"
	chmod 0666 "$CTL_POLICY"
	run as "$RT_A" run busybox true
	chmod 0644 "$CTL_POLICY"
	[ "$status" -eq 125 ]
	[[ "$output" == *"policy"*"refused"* ]]
	run as "$RT_A" run busybox true
	[ "$status" -eq 0 ]
}

# A policy the helper cannot read (here an injected I/O error on its
# file) is said to be unreadable, with the reason, not invalid: the admin
# is not sent to ctr-policy check for a file that is fine.
@test "policy: a read error of the policy is told as such, not as an invalid policy" {
	run strace -f -o /dev/null -P "$CTL_POLICY" -e trace=read \
	    -e inject=read:error=EIO -u "$RT_A" "$CTL_BIN" run busybox sh -c 'echo payload-ran'
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot read the policy $CTL_POLICY: Input/output error"* ]]
	[[ "$output" != *invalid* ]]
	[[ "$output" != *payload-ran* ]]
}

@test "policy: --network host refused unless granted; the default is then none" {
	rt_policy none
	run as "$RT_A" run --network host busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--network host refused"* ]]
	run as "$RT_A" run busybox cat /proc/net/dev
	rt_policy
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c ':')" -eq 1 ]
}

@test "fault injection: any failed step of the drop aborts before the payload" {
	local call
	for call in setgroups setresgid setresuid capset prctl; do
		run strace -f -o /dev/null -e trace="$call" \
		    -e inject="$call":error=EPERM:when=1+ -u "$RT_A" \
		    "$CTL_BIN" run busybox sh -c 'echo payload-ran'
		echo "$call: $status $output"
		[ "$status" -eq 125 ]
		[[ "$output" != *payload-ran* ]]
	done
}

@test "fault injection: a failed clear of the ambient set ends the drop, saying so" {
	local log=$BATS_TEST_TMPDIR/prctl.log n
	strace -f -qq -o "$log" -e trace=prctl -u "$RT_A" "$CTL_BIN" run busybox true
	# Which prctl call of its process the clear is (strace counts each
	# tracee's calls apart).
	n=$(awk '{c[$1]++} /PR_CAP_AMBIENT_CLEAR_ALL/ {print c[$1]; exit}' "$log")
	[ -n "$n" ]
	run strace -f -o /dev/null -e trace=prctl -e inject=prctl:error=EPERM:when="$n" \
	    -u "$RT_A" "$CTL_BIN" run busybox sh -c 'echo payload-ran'
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot clear the ambient capabilities"* ]]
	[[ "$output" != *payload-ran* ]]
}

# The init starts the payload's process as posix_spawn starts its child
# (init.c, ns_spawn): on the init's memory, the init stopped until the
# payload's execve.  In strace's log (one line per call, in order), the
# payload's first execve comes before the init's next call, the unmapping
# of that process's stack.
@test "the payload's process starts on the init's memory, the init stopped until its execve" {
	local log=$BATS_TEST_TMPDIR/spawn.log
	[ "${CTL_SANITIZE:-0}" = 1 ] && skip "the sanitizer build forks it (namespaces.c)"
	strace -f -qq -o "$log" -e trace=clone,execve,munmap -u "$RT_A" \
	    "$CTL_BIN" run busybox /bin/true
	# (strace shows the clone's result as the pid inside the container:
	# the payload is the process that executes /bin/true.)
	awk '
	    /clone\(.*CLONE_VM\|CLONE_VFORK/ && !p {p = $1; v = NR}
	    /execve\("\/bin\/true"/ && !c {c = $1; e = NR}
	    p && $1 == p && /munmap\(.*262144/ && !m {m = NR}
	    END {exit !(v && e && m && v < e && e < m && c != p)}' "$log" ||
	    { cat "$log" >&2; return 1; }
}

# lim_a ULIMIT-ARGS: ctr-launch run under hostile resource limits.
lim_a() {
	# (127, the loader's failure, is reported as 98 for bats' sake.)
	ctl_as "$RT_A" timeout 30 bash -c "ulimit $1 || exit 99; $CTL_BIN run busybox sh -c 'echo ran-ok'; rc=\$?; [ \$rc = 127 ] && rc=98; exit \$rc"
}

@test "hostile rlimits: the launch works or fails cleanly with one line" {
	local l
	for l in "-c unlimited" "-f 0" "-S -f 0" "-n 5" "-S -n 5" \
	    "-s unlimited" "-u 3" "-S -u 3" "-v 50000" "-S -t 1" "-t 1"; do
		# The sanitizer build cannot start under these: ASan maps
		# terabytes of shadow memory, libasan needs more than 5 fds.
		if [ "${CTL_SANITIZE:-0}" = 1 ]; then
			case $l in
			*-v*|*-n*) echo "ulimit $l: skipped (sanitizer build)"; continue ;;
			esac
		fi
		run lim_a "$l"
		echo "ulimit $l: $status $output"
		if [ "$status" -eq 0 ]; then
			[ "$output" = ran-ok ]
		elif [ "$status" -eq 98 ]; then
			# The dynamic loader gave up before main(): no fd
			# left for a library.  Nothing ran.
			[[ "$output" == *"error while loading shared libraries"* ]]
		else
			[ "$status" -eq 125 ]
			# One line from ctr-launch (bash may add its own).
			[ "$(printf '%s\n' "$output" | grep -c '^ctr-launch: ')" -eq 1 ]
			[[ "$output" != *ran-ok* ]]
		fi
	done
	# A caller's hard CPU limit never binds the privileged processes.
	run lim_a "-t 1"
	[ "$status" -eq 0 ] || [[ "$output" == *"refusing to run with a hard CPU time limit"* ]]
}

# many_env_a: ctr-launch run with 100,000 variables in the environment.
many_env_a() {
	ctl_as "$RT_A" bash -c "env \$(seq -f 'V%g=1' 100000) $CTL_BIN run busybox sh -c 'env | grep -c ^V; true'"
}

@test "a huge caller environment is inert: nothing of it passes" {
	run many_env_a
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "-t: an error of the container's setup still reaches the caller" {
	run script -qec "strace -f -o /dev/null -e trace=sethostname -e inject=sethostname:error=EPERM -u $RT_A $CTL_BIN run -t busybox echo payload-ran" /dev/null </dev/null
	[ "$status" -eq 125 ]
	[[ "$output" == *"ctr-launch: sethostname: Operation not permitted"* ]]
	[[ "$output" != *payload-ran* ]]
}

@test "clone3 missing (ENOSYS): the clone(2) fallback launches the same" {
	run strace -f -o "$BATS_TEST_TMPDIR/strace" -e trace=clone3,clone \
	    -e inject=clone3:error=ENOSYS -u "$RT_A" \
	    "$CTL_BIN" run busybox sh -c 'echo pid $$; hostname'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "pid 2" ]
	[[ "${lines[1]}" == "$RT_A-"* ]]
	ctl_strace_has "$BATS_TEST_TMPDIR/strace" 'clone3[(].*CLONE_NEWPID.*INJECTED'
	grep -q 'clone(.*CLONE_NEWPID' "$BATS_TEST_TMPDIR/strace"
}

@test "exit status: 0, the payload's, 126, 127, 128+N" {
	run as "$RT_A" run busybox true
	[ "$status" -eq 0 ]
	run as "$RT_A" run busybox sh -c 'exit 3'
	[ "$status" -eq 3 ]
	run -127 as "$RT_A" run busybox no-such-command
	[ "$status" -eq 127 ]
	[[ "$output" == *"no-such-command: command not found"* ]]
	run as "$RT_A" run busybox /etc/passwd
	[ "$status" -eq 126 ]
	run as "$RT_A" run busybox sh -c 'kill -KILL $$'
	[ "$status" -eq 137 ]
	run as "$RT_A" run busybox sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
}

@test "exit status: 125 with one line for a denied user, a bad option, an unknown image" {
	run as "$RT_C" run busybox true
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "ctr-launch: denied by the policy"* ]]
	run as "$RT_A" run --privileged busybox true
	[ "$status" -eq 125 ]
	[ "$output" = "ctr-launch: run: unknown option --privileged" ]
	run as "$RT_A" run --pids-limit 0x10 busybox true
	[ "$status" -eq 125 ]
	run as "$RT_A" run alpine true
	[ "$status" -eq 125 ]
	[[ "$output" == *"image alpine:latest: not granted"* ]]
	run as "$RT_A" run busybox:nope true
	[ "$status" -eq 125 ]
	[[ "$output" == *"not in the store"* ]]
}

@test "image names: Docker's spellings of an official image are the one image" {
	local n
	for n in busybox busybox:latest library/busybox docker.io/busybox \
	    docker.io/library/busybox:latest index.docker.io/library/busybox; do
		run as "$RT_A" run --rm "$n" echo "ran $n"
		[ "$status" -eq 0 ] || { echo "$n: $output"; false; }
		[ "$output" = "ran $n" ]
	done
	# Under library/ more than one component is another repository.
	run as "$RT_A" run --rm library/busybox/x true
	[ "$status" -eq 125 ]
	[[ "$output" == *"image library/busybox/x:latest: not granted"* ]]
}

@test "argc == 0 is refused" {
	run ctl_as "$RT_A" "$RT_ARGC0" "$CTL_BIN"
	[ "$status" -eq 125 ]
	[ "$output" = "ctr-launch: refusing an empty argument vector" ]
}

@test "options after IMAGE and after -- belong to the command" {
	run as "$RT_A" run busybox echo -v /:/host --network=host --dry-run
	[ "$status" -eq 0 ]
	[ "$output" = "-v /:/host --network=host --dry-run" ]
	run as "$RT_A" run busybox -- ls /host
	[ "$status" -ne 0 ]
}

@test "binds: refusals of -v (outside the grant, admin destination, reserved)" {
	run as "$RT_A" run -v /etc:/x busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"-v /etc:/x refused"* ]]
	run as "$RT_A" run -v "/home/$RT_A:/home/$RT_A" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"administrator"* ]]
	run as "$RT_A" run -v "/home/$RT_A:/proc/x" busybox true
	[ "$status" -eq 125 ]
	run as "$RT_A" run -v "/home/$RT_A:/etc" busybox true
	[ "$status" -eq 125 ]
	run as "$RT_A" run -v "/home/$RT_B:/b" busybox true
	[ "$status" -eq 125 ]
	mkdir -p "/home/$RT_A/proj"
	chown "$RT_A:" "/home/$RT_A/proj"
	run as "$RT_A" run -v "/home/$RT_A/proj:/work:ro" -w /work busybox sh -c 'pwd; touch x'
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = /work ]
}

@test "limits: above the policy is refused naming it, no flag means the limit" {
	run as "$RT_A" run --cpus 2 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"limit of cpus 1.000"* ]]
	run as "$RT_A" run --memory 2G busybox true
	[ "$status" -eq 125 ]
	run as "$RT_A" run --pids-limit 1000 busybox true
	[ "$status" -eq 125 ]
	run as "$RT_A" run --dry-run --cpus 0.5 busybox true
	[ "$status" -eq 0 ]
	[[ "$output" == *"cpus         0.500"* ]]
	[[ "$output" == *"memory       1G"* ]]
	[[ "$output" == *"pids         256"* ]]
}

@test "--dry-run prints the plan and launches nothing" {
	run as "$RT_A" run --dry-run busybox touch "/home/$RT_A/dry"
	[ "$status" -eq 0 ]
	[[ "$output" == *"dry run: nothing is launched"* ]]
	[[ "$output" == *"command      'touch' '/home/$RT_A/dry'"* ]]
	[ ! -e "/home/$RT_A/dry" ]
}

@test "info and images show only the caller's policy" {
	run as "$RT_A" info
	[ "$status" -eq 0 ]
	[[ "$output" == *"busybox:*"*"[group:$RT_GRP]"* ]]
	run as "$RT_A" images
	[ "$status" -eq 0 ]
	[[ "$output" == *busybox:latest* ]]
	run as "$RT_C" images
	[ "$status" -eq 125 ]
}

@test "stdin is /dev/null without -i, attached with -i; own session without -t" {
	run in_a data run busybox cat
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run in_a data run -i busybox cat
	[ "$output" = data ]
	# Under a terminal: no controlling tty inside (tty_nr 0, no TIOCSTI).
	run ctl_as "$RT_A" script -qec "$CTL_BIN run busybox sh -c 'cut -d\" \" -f7 /proc/self/stat; tty'" /dev/null </dev/null
	[[ "$output" == 0* ]]
	[[ "$output" == *"not a tty"* ]]
}

@test "-t: a pty from the container, exit status through it" {
	run ctl_as "$RT_A" script -qec "$CTL_BIN run -t busybox sh -c 'tty; cut -d\" \" -f6,8 /proc/self/stat; exit 5'" /dev/null </dev/null
	[ "$status" -eq 5 ]
	[[ "$output" == */dev/pts/0* ]]
	# The payload (pid 2) leads its session and is the foreground group.
	[[ "$output" == *"2 2"* ]]
	run late_a 'echo in-$((6*7)); exit 7' "$CTL_BIN" run -it busybox sh
	[ "$status" -eq 7 ]
	[[ "$output" == *in-42* ]]
}

@test "-t: the caller's window size is the container's" {
	run ctl_as "$RT_A" script -qec "stty rows 40 cols 100; $CTL_BIN run -t busybox stty size" /dev/null </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"40 100"* ]]
	# A resize: SIGWINCH to ctr-launch passes the new size on.
	run ctl_as "$RT_A" script -qec "stty rows 40 cols 100; $CTL_BIN run -t busybox sh -c 'trap \"echo winch\" WINCH; sleep 2; /bin/stty size' & sleep 0.7; stty rows 50 cols 120; kill -WINCH \$!; wait" /dev/null </dev/null
	[[ "$output" == *winch* ]]
	[[ "$output" == *"50 120"* ]]
}

@test "-t: a closed output pipe ends the container with SIGPIPE, no hang" {
	run ctl_as "$RT_A" bash -c "timeout 20 $CTL_BIN run -t busybox yes | head -2; echo \${PIPESTATUS[0]}"
	[ "${lines[2]}" = 141 ]
}

@test "-t: Ctrl-C reaches the container; the terminal mode is restored" {
	run late_a $'\003' "$CTL_BIN" run -it busybox sleep 30
	[ "$status" -eq 130 ]
	run ctl_as "$RT_A" script -qec "$CTL_BIN run -t busybox true; stty -a" /dev/null </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *" icanon"* ]]
	[[ "$output" == *" echo "* ]]
	[[ "$output" != *"-icanon"* ]]
}

@test "-t without -i: the terminal's Ctrl-C is a signal, passed on; -it with a pipe for input: its end reaches the reader" {
	# Raw mode only with -i: without it ^C stays SIGINT for the front,
	# which passes it to the container.
	run late_a $'\003' "$CTL_BIN" run -t busybox sleep 30
	[ "$status" -eq 130 ]
	# A pipe into -it: the pty gets the end-of-file character when the
	# pipe ends, and cat ends instead of waiting for ever.
	run ctl_as "$RT_A" bash -c "printf 'hi\n' | timeout 20 $CTL_BIN run -it busybox cat"
	[ "$status" -eq 0 ]
	[[ "$output" == *hi* ]]
	run ctl_as "$RT_A" bash -c "printf 'no newline' | timeout 20 $CTL_BIN run -it busybox sh -c 'cat; echo end-\$((6*7))'"
	[ "$status" -eq 0 ]
	[[ "$output" == *end-42* ]]
}

@test "working directory, umask and rlimits follow the caller" {
	run limits_a
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/home/$RT_A" ]
	[ "${lines[1]}" = 0027 ]
	[ "${lines[2]}" = 200 ]
	run as "$RT_A" run -w /tmp busybox pwd
	[ "$output" = /tmp ]
	run as "$RT_A" run -w /proc/self/fd/3 busybox pwd
	[ "$status" -eq 125 ]
	run as "$RT_A" run -w /nonexistent busybox pwd
	[ "$status" -eq 125 ]
	[ "$output" = "ctr-launch: cannot make the working directory /nonexistent: Read-only file system" ]
	# CVE-2024-21626 pattern: a working directory through a magic link.
	for n in 3 4 5 6; do
		ln -sfn "/proc/self/fd/$n" "/home/$RT_A/fdlink$n"
		run as "$RT_A" run -w "/home/$RT_A/fdlink$n" busybox sh -c 'readlink /proc/$$/cwd; true'
		[ "$status" -eq 125 ] || [[ "$output" == /* && "$output" != *"(unreachable)"* ]]
		[[ "$output" != *"/var/lib"* ]]
	done
	run as "$RT_A" run -w /proc/1/cwd busybox pwd
	[ "$status" -eq 125 ]
}

# As docker run -w: a missing directory is made, here as the caller, after
# the drop, with the caller's umask (init.c, init_workdir).
@test "-w: a missing working directory is made as the caller, never as root" {
	local d=/home/$RT_A/wd-$RT_TAG
	rm -rf "$d"
	run -0 ctl_as "$RT_A" sh -c "umask 027; exec '$CTL_BIN' run -w '$d/a/b' busybox pwd"
	[ "$output" = "$d/a/b" ]
	[ "$(stat -c '%u %a' "$d" "$d/a" "$d/a/b" | sort -u)" = "$(id -u "$RT_A") 750" ]
	# An existing one is entered as it is.
	chmod 0700 "$d/a/b"
	run -0 as "$RT_A" run -w "$d/a/b" busybox pwd
	[ "$(stat -c %a "$d/a/b")" = 700 ]
	# Where only root could make it (the container's /dev, a root-owned
	# tmpfs), the caller cannot: 125, nothing made.
	run -125 as "$RT_A" run -w /dev/wd-$RT_TAG busybox pwd
	[ "$output" = "ctr-launch: cannot make the working directory /dev/wd-$RT_TAG: Permission denied" ]
	# A file in the way.
	touch "$d/file"
	run -125 as "$RT_A" run -w "$d/file/x" busybox pwd
	[[ "$output" == "ctr-launch: cannot "*"the working directory $d/file/x: Not a directory" ]]
	# A refusal half way leaves none of the directories it made.
	local long
	long=$(printf 'n%.0s' $(seq 300))
	run -125 as "$RT_A" run -w "$d/new/sub/$long" busybox pwd
	[[ "$output" == "ctr-launch: cannot make the working directory $d/new/sub/"*": File name too long" ]]
	[ ! -e "$d/new" ]
	rm -rf "$d"
}

@test "hostname: the container name by default, or --hostname; valid names only" {
	run as "$RT_A" run --name "web_1.x" busybox hostname
	[ "$output" = web-1-x ]
	run as "$RT_A" run --hostname box busybox hostname
	[ "$output" = box ]
	run as "$RT_A" run busybox hostname
	[[ "$output" =~ ^$RT_A-[0-9a-f]{6}$ ]]
	run as "$RT_A" run --name '../x' busybox true
	[ "$status" -eq 125 ]
}

@test "--network none: only a loopback device" {
	run as "$RT_A" run --network none busybox cat /proc/net/dev
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c ':')" -eq 1 ]
	[[ "$output" == *"lo:"* ]]
}

# docker's --net, --init and --read-only: what every container here is.
@test "--net none, --init and --read-only: the same container as without" {
	run -0 as "$RT_A" run --net none --init --read-only busybox sh -c \
	    'echo $$; cat /proc/1/comm; cat /proc/net/dev; touch /x 2>/dev/null || echo ro'
	# The command is not PID 1: the init is, as with docker run --init.
	[ "${lines[0]}" = 2 ]
	[ "${lines[1]}" != sh ]
	[ "$(printf '%s\n' "$output" | grep -c ':')" -eq 1 ]
	[[ "$output" == *"lo:"* ]]
	[ "${lines[-1]}" = ro ]
	run -125 as "$RT_A" run --net bridge busybox true
	[[ "$output" == "ctr-launch: run: --network"* ]]
}

@test "signals: SIGTERM to ctr-launch reaches the container" {
	local m=rt-sig-$RT_TAG
	ctl_as "$RT_A" "$CTL_BIN" run busybox sh -c 'trap "echo got-term; exit 42" TERM; while :; do sleep 0.1; done' "$m" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local bg=$! p0=
	for _ in $(seq 50); do
		p0=$(pgrep -u "$RT_A" -f -- "ctr-launch run busybox sh -c trap") && break
		sleep 0.1
	done
	sleep 0.5
	kill -TERM $p0
	wait $bg || status=$?
	[ "${status:-0}" -eq 42 ]
	grep -q got-term "$BATS_TEST_TMPDIR/out"
	nothing_left "$m" "$RT_A"
}

@test "timeout 2 ... sleep 60 ends in 124 with nothing left" {
	local m=rt-timeout-$RT_TAG
	run ctl_as "$RT_A" timeout 2 "$CTL_BIN" run busybox sh -c 'sleep 60' "$m"
	[ "$status" -eq 124 ]
	nothing_left "$m" "$RT_A"
}

@test "zombies: the container's init reaps orphans" {
	run as "$RT_A" run busybox sh -c '(sleep 0.2 &) ; sleep 1; cat /proc/[0-9]*/stat | cut -d" " -f3 | grep -c Z || true'
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "no leftovers after a normal exit" {
	local m=rt-normal-$RT_TAG
	run as "$RT_A" run busybox sh -c 'true' "$m"
	[ "$status" -eq 0 ]
	nothing_left "$m" "$RT_A"
}

@test "no leftovers after SIGKILL of the container's init" {
	local m=rt-kinit-$RT_TAG init=
	ctl_as "$RT_A" "$CTL_BIN" run busybox sh -c 'sleep 60' "$m" &
	local bg=$!
	for _ in $(seq 50); do
		# P0, K and P1 carry the marker; P1 is the one in a new pid ns.
		for p in $(pgrep -f -- "$m"); do
			[ "$(readlink /proc/$p/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] &&
			    [ "$(ps -o comm= -p $p)" = ctr-launch ] && init=$p
		done
		[ -n "$init" ] && break
		sleep 0.1
	done
	[ -n "$init" ]
	kill -KILL "$init"
	wait $bg || status=$?
	[ "${status:-0}" -eq 137 ]
	nothing_left "$m" "$RT_A"
}

@test "no leftovers after SIGKILL of the caller's ctr-launch (the keeper cleans up)" {
	local m=rt-kfront-$RT_TAG p0=
	ctl_as "$RT_A" "$CTL_BIN" run busybox sh -c 'sleep 60' "$m" &
	for _ in $(seq 50); do
		p0=$(pgrep -u "$RT_A" -f -- "ctr-launch run busybox sh -c sleep 60 $m" | head -1)
		[ -n "$p0" ] && [ "$(pgrep -f -- "$m" | wc -l)" -ge 4 ] && break
		sleep 0.1
	done
	[ -n "$p0" ]
	kill -KILL "$p0"
	nothing_left "$m" "$RT_A"
}

@test "the keeper is root and cannot be signalled by the caller; its death ends all" {
	local m=rt-keeper-$RT_TAG k=
	ctl_as "$RT_A" "$CTL_BIN" run busybox sh -c 'sleep 60' "$m" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local bg=$!
	for _ in $(seq 50); do
		for p in $(pgrep -f -- "$m"); do
			[ "$(stat -c %u /proc/$p)" = 0 ] && [ "$(awk '/^Uid/ {print $2}' /proc/$p/status)" = 0 ] && k=$p
		done
		[ -n "$k" ] && break
		sleep 0.1
	done
	[ -n "$k" ]
	run ctl_as "$RT_A" kill -TERM "$k"
	[ "$status" -ne 0 ]
	kill -KILL "$k"
	wait $bg || status=$?
	[ "${status:-0}" -eq 125 ]
	grep -q "keeper process died" "$BATS_TEST_TMPDIR/out"
	nothing_left "$m" "$RT_A"
	# Its cgroup, which the keeper would have removed, the user's next
	# launch sweeps.
	[ -n "$(rt_cgroups "$RT_A")" ]
	run -0 as "$RT_A" run busybox true
	ctl_wait_for rt_no_cgroups "$RT_A"
}

# rt_cgroups USER: USER's container cgroups, in every hierarchy.
rt_cgroups() {
	find /sys/fs/cgroup -mindepth 2 -path "*/ctr-launch/u$(id -u "$1")/*" -type d 2>/dev/null
}
rt_no_cgroups() { [ -z "$(rt_cgroups "$1")" ]; }
