#!/usr/bin/env bats
# Published ports (-p) under attack: other users reaching someone's
# loopback service, port hijacking through SO_REUSEPORT and SO_REUSEADDR,
# privileged ports and addresses smuggled through the -p grammar, the
# private network as a way to the host's loopback, and the forwarder
# process as a target.

load ../lib
load common
load post

setup_file() {
	atk_setup_file
	cc -static -O2 -o "$ATK_BIN/echod" "$CTL_SRC/tests/integration/echod.c"
	chmod 0755 "$ATK_BIN/echod"
	export PA_BASE=$((18000 + (RANDOM % 39) * 50 + 25))
	export PA_CLIENT=$CTL_SRC/tests/integration/portclient.py
}
teardown_file() { atk_teardown_file; }

setup() {
	post_before
	{
		atk_policy_default_text
		cat <<-EOF
		network = private
		ports = 18000-19999
		pids = 512
		EOF
	} | ctl_policy
}

teardown() {
	pa_stop
	atk_policy_default
	post_after
}

# pa_front USER: the front of USER's launch: the helper, USER's uid, no
# seccomp filter (the forwarder, also the helper's image, has one).
pa_front() {
	local p uid
	uid=$(atk_uid "$1")
	for p in $(atk_helper_pids); do
		grep -qE "^Uid:[[:space:]]+$uid[[:space:]]" "/proc/$p/status" 2>/dev/null || continue
		grep -qE '^Seccomp:[[:space:]]+0$' "/proc/$p/status" 2>/dev/null || continue
		grep -qE '^NSpid:[[:space:]]+[0-9]+$' "/proc/$p/status" 2>/dev/null || continue
		echo "$p"
		return 0
	done
	return 1
}

# pa_start USER HOSTPORT: USER's echo service on 127.0.0.1:7000 inside,
# published on HOSTPORT; waits until USER is served through it.
pa_start() {
	ctl_as "$1" "$CTL_BIN" run -p "$2:7000" busybox "$ATK_BIN/echod" 7000 \
	    </dev/null >"$BATS_TEST_TMPDIR/$1.out" 2>&1 3>&- &
	echo "$1" >>"$BATS_TEST_TMPDIR/pa.users"
	atk_wait_for 100 pa_served "$1" "$2"
}

pa_served() {
	ctl_as "$1" python3 "$PA_CLIENT" echo "$2" 1 16 >/dev/null 2>&1
}

pa_stop() {
	local u p
	[ -f "$BATS_TEST_TMPDIR/pa.users" ] || return 0
	for u in $(sort -u "$BATS_TEST_TMPDIR/pa.users"); do
		if p=$(pa_front "$u"); then
			ctl_as "$u" kill -TERM "$p" 2>/dev/null || true
		fi
		atk_wait_for 100 atk_no_procs "$u" || true
	done
	rm -f "$BATS_TEST_TMPDIR/pa.users"
}

# pa_forwarder PORT: the pid listening on host PORT.
pa_forwarder() {
	ss -Htlnp "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1
}

pa_listening() { ss -Htln "sport = :$1" | grep -q LISTEN; }

# pa_bind UID PORT OPTS: a listener of UID on 127.0.0.1:PORT with socket
# options OPTS (reuseport, reuseaddr); prints "bound" or the error.
pa_bind() {
	setpriv --reuid="$1" --regid="$1" --clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket()
for o in sys.argv[2].split(","):
    if o == "reuseport":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if o == "reuseaddr":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen()
    print("bound")
except OSError as e:
    print("error", e.errno)
' "$2" "$3"
}

@test "P1: another user's connections to a loopback port are closed before they reach the service" {
	local hp=$((PA_BASE))
	pa_start "$ATK_A" "$hp"
	for _ in 1 2 3 4 5; do
		run ctl_as "$ATK_B" python3 "$PA_CLIENT" closed "$hp"
		[ "$status" -eq 0 ]
	done
	# Not even through a socket bound to another loopback address.
	run ctl_as "$ATK_B" python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.2", 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
try:
    s.sendall(b"x" * 100); s.shutdown(socket.SHUT_WR)
    b = s.recv(10)
except OSError:
    b = b""
print("got", len(b))' "$hp"
	[ "$output" = "got 0" ]
	# The owner is still served.
	run ctl_as "$ATK_A" python3 "$PA_CLIENT" echo "$hp" 3 100000
	[ "$output" = "ok 3" ]
}

@test "P2: a port someone listens on (SO_REUSEPORT, SO_REUSEADDR, or root) is refused, never shared" {
	local hp=$((PA_BASE + 1)) uid
	uid=$(atk_uid "$ATK_B")
	# B holds the port with SO_REUSEPORT: A's launch is refused.
	coproc HOLD { setpriv --reuid="$uid" --regid="$uid" --clear-groups /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
print("up", flush=True); sys.stdin.read()' "$hp"; }
	read -r -u "${HOLD[0]}" line
	[ "$line" = up ]
	atk_run "$ATK_A" run -p "$hp:7000" busybox true
	atk_refused
	[[ "$output" == *"host port $hp is already in use"* ]]
	eval "exec ${HOLD[1]}>&-"
	wait "$HOLD_PID" || true
	atk_wait_for 50 atk_no_procs "$ATK_A"
	# Once A publishes it, nobody binds it: not B, not root, with
	# SO_REUSEPORT or SO_REUSEADDR.
	pa_start "$ATK_A" "$hp"
	[ "$(pa_bind "$uid" "$hp" reuseport,reuseaddr)" != bound ]
	[ "$(pa_bind "$uid" "$hp" reuseaddr)" != bound ]
	[ "$(pa_bind 0 "$hp" reuseport)" != bound ]
	[ "$(pa_bind 0 "$hp" reuseport,reuseaddr)" != bound ]
	[ "$(pa_bind "$(atk_uid "$ATK_A")" "$hp" reuseport)" != bound ]
	run ctl_as "$ATK_A" python3 "$PA_CLIENT" echo "$hp" 2 1000
	[ "$output" = "ok 2" ]
}

@test "P3: privileged ports and addresses cannot be smuggled through -p" {
	local s
	for s in 22:22 1:80 1023:80 0022:22 "127.0.0.1:22:22" "18000:22/udp" \
	    "[::ffff:127.0.0.1]:$PA_BASE:80" "127.1:$PA_BASE:80" \
	    "0.0.0.0:$PA_BASE:80" "[::]:$PA_BASE:80" "[::1]:$PA_BASE:80" \
	    "localhost:$PA_BASE:80" "$PA_BASE:80:x" "$((PA_BASE)):80 " \
	    "1:2:3:4" "65536:80" "-1:80" "$PA_BASE-$((PA_BASE + 1)):80"; do
		atk_run "$ATK_A" run -p "$s" busybox true
		atk_refused
	done
	! pa_listening 22 || false
	atk_wait_for 50 atk_no_procs "$ATK_A"
}

@test "P4: the private network does not reach the host's loopback" {
	local hp=$((PA_BASE + 2))
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
print("up", flush=True); time.sleep(30)' "$hp" >"$BATS_TEST_TMPDIR/hostsvc" &
	local svc=$!
	atk_wait_for 100 test -s "$BATS_TEST_TMPDIR/hostsvc"
	atk_run "$ATK_A" run --network private busybox sh -c \
	    "ls /sys/class/net; nc -w 2 127.0.0.1 $hp </dev/null && echo REACHED; ip route"
	kill "$svc"
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	[[ "$output" != *REACHED* ]]
	[ "$(echo "$output" | head -1)" = lo ]
	[[ "$output" != *default* ]]
}

@test "P5: the forwarder is no handle for its caller: not traceable, no host files, dies alone" {
	local hp=$((PA_BASE + 3)) f
	pa_start "$ATK_A" "$hp"
	f=$(pa_forwarder "$hp")
	[ -n "$f" ]
	# Not dumpable: the caller reads neither its memory nor its fds.
	run ctl_as "$ATK_A" cat "/proc/$f/environ"
	[ "$status" -ne 0 ]
	run ctl_as "$ATK_A" ls "/proc/$f/fd"
	[ "$status" -ne 0 ]
	run ctl_as "$ATK_A" sh -c "exec 3<>/proc/$f/mem"
	[ "$status" -ne 0 ]
	# It holds sockets, pipes and anonymous inodes only: no file of the
	# host, not the caller's terminal.
	run bash -c "for fd in /proc/$f/fd/*; do readlink \"\$fd\"; done"
	[ "$status" -eq 0 ]
	! grep -vE '^(socket|pipe|anon_inode):' <<<"$output" || false
	# Signals other than SIGKILL do not stop it (all blocked); SIGKILL
	# from the caller ends only the forwarding.
	ctl_as "$ATK_A" kill -TERM "$f"
	ctl_as "$ATK_A" kill -STOP "$f" || true
	ctl_as "$ATK_A" kill -CONT "$f" || true
	run ctl_as "$ATK_A" python3 "$PA_CLIENT" echo "$hp" 1 1000
	[ "$output" = "ok 1" ]
	ctl_as "$ATK_A" kill -KILL "$f"
	atk_wait_for 50 bash -c "! ss -Htln 'sport = :$hp' | grep -q LISTEN"
	pa_front "$ATK_A" >/dev/null
	pgrep -u "$(atk_uid "$ATK_A")" -x echod >/dev/null
}

@test "P6: a user cannot publish while denied, or without the private grant" {
	atk_policy_default
	atk_run "$ATK_A" run -p "$((PA_BASE + 4)):7000" busybox true
	atk_refused
	[[ "$output" == *"private network"* ]]
	atk_run "$ATK_C" run -p "$((PA_BASE + 4)):7000" busybox true
	atk_refused
	! pa_listening $((PA_BASE + 4)) || false
}

# pa_ticks PID: the user and system CPU time of PID, in clock ticks
# (/proc/PID/stat's fields 14 and 15, counted after the command's ')').
pa_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

pa_nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

@test "P7: a client that half-closes, then resets, leaves the forwarder idle and frees its connection" {
	local hp=$((PA_BASE + 5)) f n0 t0 t1
	ctl_as "$ATK_A" "$CTL_BIN" run -p "$hp:7000" busybox "$ATK_BIN/echod" 7000 hold \
	    </dev/null >"$BATS_TEST_TMPDIR/$ATK_A.out" 2>&1 3>&- &
	echo "$ATK_A" >>"$BATS_TEST_TMPDIR/pa.users"
	atk_wait_for 100 pa_listening "$hp"
	f=$(pa_forwarder "$hp")
	[ -n "$f" ]
	n0=$(pa_nfds "$f")
	# Held by the service (it read the byte and the end, and keeps
	# silent), the client resets: the forwarder's side of it now has an
	# error pending and a hang-up, and nothing left to read or write.
	run ctl_as "$ATK_A" python3 -c '
import socket, struct, sys, time
port = int(sys.argv[1])
for _ in range(100):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"x")
    s.shutdown(socket.SHUT_WR)
    s.settimeout(0.5)
    try:
        s.recv(1)
    except socket.timeout:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        print("reset")
        sys.exit(0)
    s.close()
    time.sleep(0.1)
sys.exit(1)' "$hp"
	[ "$output" = "reset" ]
	# The connection's sockets and pipes are closed...
	atk_wait_for 50 bash -c "[ \$(find /proc/$f/fd -mindepth 1 -maxdepth 1 | wc -l) -eq $n0 ]"
	# ...and the forwarder sleeps: a loop on the reset would take the
	# two seconds' 200 ticks.
	t0=$(pa_ticks "$f")
	sleep 2
	t1=$(pa_ticks "$f")
	[ $((t1 - t0)) -lt 50 ]
}

@test "P8: a dual-stack client (::ffff:127.0.0.1) is judged by its socket's owner like any other" {
	local hp=$((PA_BASE + 6)) py
	python3 -c 'import socket; socket.socket(socket.AF_INET6)' 2>/dev/null ||
	    skip "no IPv6 sockets on this host"
	pa_start "$ATK_A" "$hp"
	py='
import socket, sys
s = socket.socket(socket.AF_INET6)
s.connect(("::ffff:127.0.0.1", int(sys.argv[1])))
b = b""
try:
    s.sendall(b"hello")
    s.shutdown(socket.SHUT_WR)
    while True:
        x = s.recv(100)
        if not x:
            break
        b += x
except OSError:
    pass
print("got", len(b))'
	run ctl_as "$ATK_A" python3 -c "$py" "$hp"
	[ "$output" = "got 5" ]
	run ctl_as "$ATK_B" python3 -c "$py" "$hp"
	[ "$output" = "got 0" ]
}
