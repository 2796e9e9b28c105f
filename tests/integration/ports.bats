#!/usr/bin/env bats
# Private networks and published ports (-p), as real throwaway users: a
# busybox httpd bound to 127.0.0.1:8080 inside reached from the host, the
# owner-only check, the policy's refusals with nothing left, many
# concurrent transfers, half-close, the forwarder's privileges, its end,
# max_connections, the audit lines; and the docker habits -u and
# --format json.

load lib

bats_require_minimum_version 1.5.0

setup_file() {
	export PT_TAG PT_A PT_B PT_BASE PT_CLIENT CTL_BIN
	PT_TAG=$(ctl_tag)
	PT_A=pta$PT_TAG PT_B=ptb$PT_TAG
	ctl_useradd "$PT_A"
	ctl_useradd "$PT_B"
	# Host ports of this run: PT_BASE .. PT_BASE+49, inside 18000-19999.
	PT_BASE=$((18000 + (RANDOM % 39) * 50))
	PT_CLIENT=$CTL_SRC/tests/integration/portclient.py
	for u in "$PT_A" "$PT_B"; do
		echo "hello from $u" >"/home/$u/index.html"
		head -c 1048576 /dev/urandom >"/home/$u/big"
		chown "$u:" "/home/$u/index.html" "/home/$u/big"
	done
	# The echo service of the transfer tests: static, so the busybox
	# image runs it; a real listen backlog (busybox nc -ll has 2).
	cc -static -O2 -o "/home/$PT_A/echod" "$CTL_SRC/tests/integration/echod.c"
	chown "$PT_A:" "/home/$PT_A/echod"
	pt_policy owner
	ctl_image_busybox
}

teardown_file() {
	ctl_userdel "$PT_A"
	ctl_userdel "$PT_B"
}

teardown() {
	pt_stop
	local u n
	for u in "$PT_A" "$PT_B"; do
		n=$(ctl_as "$u" "$CTL_BIN" ps -aq 2>/dev/null) || true
		[ -z "$n" ] || ctl_as "$u" "$CTL_BIN" rm -f $n >/dev/null 2>&1 || true
	done
	pkill -KILL -u "$PT_A" 2>/dev/null || true
	pkill -KILL -u "$PT_B" 2>/dev/null || true
}

# pt_policy ACCESS [MAXCONN] [EXTRA]: the suite's policy.
pt_policy() {
	ctl_policy <<EOF
[default]
images = busybox
binds = %h:%h
network = private
ports = 18000-19999
pids = 2048
publish_access = $1
max_connections = ${2:-256}
${3:-}
EOF
}

# pt_start USER ARGS...: ctr-launch run ARGS as USER in the background
# (its output in $BATS_TEST_TMPDIR/USER.out); the front's pid is recorded.
pt_start() {
	local u=$1
	shift
	ctl_as "$u" "$CTL_BIN" run "$@" >"$BATS_TEST_TMPDIR/$u.out" 2>&1 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/fronts"
}

# pt_stop: SIGTERM to every front pt_start started (the child of the
# recorded subshell), and waits for them to end.
pt_stop() {
	local p
	for p in $(cat "$BATS_TEST_TMPDIR/fronts" 2>/dev/null); do
		pkill -TERM -P "$p" 2>/dev/null || true
	done
	for p in $(cat "$BATS_TEST_TMPDIR/fronts" 2>/dev/null); do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	rm -f "$BATS_TEST_TMPDIR/fronts"
}

# pt_httpd USER HOSTPORT [RUN OPTIONS...]: httpd on 127.0.0.1:8080 inside,
# published on HOSTPORT; waits until the owner gets a page through it.
pt_httpd() {
	local u=$1 hp=$2
	shift 2
	pt_start "$u" -p "$hp:8080" "$@" busybox httpd -f -p 127.0.0.1:8080 \
	    -h "/home/$u"
	pt_wait_page "$u" "$hp" || { cat "$BATS_TEST_TMPDIR/$u.out" >&2; return 1; }
}

pt_wait_page() {
	ctl_as "$1" python3 "$PT_CLIENT" get "$2" /index.html --tries 100 >/dev/null
}

# pt_listening PORT: something listens on the host's PORT.
pt_listening() {
	ss -Htln "sport = :$1" | grep -q LISTEN
}

# pt_forwarder PORT: the pid of the process listening on host PORT.
pt_forwarder() {
	ss -Htlnp "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1
}

# pt_nothing_left USER PORT: no process of USER, nothing on PORT, no
# cgroup of USER's containers.
pt_nothing_left() {
	for _ in $(seq 50); do
		pgrep -u "$1" >/dev/null || break
		sleep 0.1
	done
	! pgrep -u "$1" || false
	! pt_listening "$2" || false
	local uid
	uid=$(id -u "$1")
	! find /sys/fs/cgroup -maxdepth 4 -path "*ctr-launch/u$uid/*" -type d 2>/dev/null | grep . || false
}

@test "ports: --dry-run lists the published ports; -p implies private" {
	run ctl_as "$PT_A" "$CTL_BIN" run --dry-run -p $((PT_BASE)):8080 \
	    -p "127.0.0.1:$((PT_BASE + 1)):9000/tcp" busybox true
	[ "$status" -eq 0 ]
	[[ "$output" == *"network      private"* ]]
	[[ "$output" == *"publish      127.0.0.1:$PT_BASE->8080/tcp"* ]]
	[[ "$output" == *"publish      127.0.0.1:$((PT_BASE + 1))->9000/tcp"* ]]
	! pt_listening "$PT_BASE" || false
}

@test "ports: --network private has lo up and nothing else" {
	run ctl_as "$PT_A" "$CTL_BIN" run --network private busybox \
	    sh -c 'ls /sys/class/net; ip -o link show lo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == *"UP"* ]]
}

@test "ports: a service bound to 127.0.0.1:8080 inside is reached at host 127.0.0.1:HOSTPORT" {
	local hp=$((PT_BASE + 2))
	pt_httpd "$PT_A" "$hp"
	run ctl_as "$PT_A" python3 "$PT_CLIENT" get "$hp" /index.html
	[ "$status" -eq 0 ]
	[ "$output" = "hello from $PT_A" ]
	# Only the forwarder listens on the host, on 127.0.0.1 only.
	run ss -Htln "sport = :$hp"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"127.0.0.1:$hp"* ]]
}

@test "ports: two users publish container port 8080 at once; owner-only by default" {
	local ha=$((PT_BASE + 3)) hb=$((PT_BASE + 4))
	pt_httpd "$PT_A" "$ha"
	pt_httpd "$PT_B" "$hb"
	run ctl_as "$PT_A" python3 "$PT_CLIENT" get "$ha" /index.html
	[ "$output" = "hello from $PT_A" ]
	run ctl_as "$PT_B" python3 "$PT_CLIENT" get "$hb" /index.html
	[ "$output" = "hello from $PT_B" ]
	# Each one's connection to the other's port is closed unanswered.
	run ctl_as "$PT_B" python3 "$PT_CLIENT" closed "$ha"
	[ "$status" -eq 0 ]
	run ctl_as "$PT_A" python3 "$PT_CLIENT" closed "$hb"
	[ "$status" -eq 0 ]
	# root is not the owner either.
	run python3 "$PT_CLIENT" closed "$ha"
	[ "$status" -eq 0 ]
	# The owner still gets through afterwards.
	run ctl_as "$PT_A" python3 "$PT_CLIENT" get "$ha" /index.html
	[ "$output" = "hello from $PT_A" ]
}

@test "ports: publish_access = any lets every user reach both" {
	local ha=$((PT_BASE + 5)) hb=$((PT_BASE + 6))
	pt_policy any
	pt_httpd "$PT_A" "$ha"
	pt_httpd "$PT_B" "$hb"
	pt_policy owner
	run ctl_as "$PT_B" python3 "$PT_CLIENT" get "$ha" /index.html
	[ "$output" = "hello from $PT_A" ]
	run ctl_as "$PT_A" python3 "$PT_CLIENT" get "$hb" /index.html
	[ "$output" = "hello from $PT_B" ]
}

@test "ports: refusals exit 125 with the reason and leave nothing" {
	local hp=$((PT_BASE + 7))
	run ctl_as "$PT_A" "$CTL_BIN" run -p 17999:8080 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"host port 17999 is not among the ports"* ]]
	run ctl_as "$PT_A" "$CTL_BIN" run -p "0.0.0.0:$hp:8080" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"address 0.0.0.0 is not among the publish_addresses"* ]]
	run ctl_as "$PT_A" "$CTL_BIN" run -p 80:80 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"host port 80 is not among the ports"* ]]
	run ctl_as "$PT_A" "$CTL_BIN" run -p "$hp:80" -p "$hp:81" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"host port $hp requested twice"* ]]
	run ctl_as "$PT_A" "$CTL_BIN" run -p "$hp:80/udp" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"udp"*"not supported"* ]]
	run ctl_as "$PT_A" "$CTL_BIN" run --network host -p "$hp:80" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"-p refused with --network host"* ]]
	run ctl_as "$PT_A" "$CTL_BIN" run --network none -p "$hp:80" busybox true
	[ "$status" -eq 125 ]
	pt_nothing_left "$PT_A" "$hp"
}

@test "ports: a host port in use is refused, naming it, and nothing is left" {
	local hp=$((PT_BASE + 8))
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
print("up", flush=True); time.sleep(60)' "$hp" >"$BATS_TEST_TMPDIR/holder" &
	local holder=$!
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/holder" ] && break; sleep 0.05; done
	run ctl_as "$PT_A" "$CTL_BIN" run -p "$hp:8080" busybox sleep 30
	kill "$holder"
	[ "$status" -eq 125 ]
	[[ "$output" == *"host port $hp is already in use"* ]]
	for _ in $(seq 50); do pt_listening "$hp" || break; sleep 0.1; done
	pt_nothing_left "$PT_A" "$hp"
}

@test "ports: a privileged port only through an entry naming it" {
	pt_policy owner 256 $'[user:'"$PT_A"$']\nports = 1023'
	run ctl_as "$PT_A" "$CTL_BIN" run --dry-run -p 1023:80 busybox true
	[ "$status" -eq 0 ]
	run ctl_as "$PT_A" "$CTL_BIN" run --dry-run -p 1022:80 busybox true
	[ "$status" -eq 125 ]
	run ctl_as "$PT_B" "$CTL_BIN" run --dry-run -p 1023:80 busybox true
	[ "$status" -eq 125 ]
	pt_policy owner
}

@test "ports: --network private and -p need private in the policy" {
	ctl_policy <<EOF
[default]
images = busybox
network = host
ports = 18000-19999
EOF
	run ctl_as "$PT_A" "$CTL_BIN" run -p "$((PT_BASE + 9)):80" busybox true
	pt_policy owner
	[ "$status" -eq 125 ]
	[[ "$output" == *"does not grant you the private network"* ]]
}

@test "ports: 200 concurrent connections of 1 MiB each way arrive intact" {
	local hp=$((PT_BASE + 10)) log=$BATS_TEST_TMPDIR/log
	: >"$log"
	export hp log BATS_TEST_TMPDIR PT_CLIENT
	export -f ctl_as pt_stop pt_start pt_listening
	run with_log "$log" bash -c '
	    pt_start "$PT_A" -p "$hp:7000" busybox "/home/$PT_A/echod" 7000
	    # nc listens inside shortly after the forwarder does.
	    for _ in $(seq 100); do
		ctl_as "$PT_A" python3 "$PT_CLIENT" echo "$hp" 1 16 >/dev/null && break
		sleep 0.1
	    done
	    ctl_as "$PT_A" python3 "$PT_CLIENT" echo "$hp" 200 1048576 2>&1
	    rc=$?
	    pt_stop
	    exit $rc'
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "ok 200" ]
	# (conn_failed counts the probes sent before the service listened.)
	grep 'event=end' "$log" | grep -q 'conn_broken=0'
	grep 'event=end' "$log" | grep -Eq 'conn_forwarded=20[0-9]'
}

@test "ports: a client that half-closes still gets the whole reply" {
	local hp=$((PT_BASE + 11))
	pt_httpd "$PT_A" "$hp"
	ctl_as "$PT_A" python3 "$PT_CLIENT" get "$hp" /big --half-close \
	    >"$BATS_TEST_TMPDIR/big"
	cmp "$BATS_TEST_TMPDIR/big" "/home/$PT_A/big"
}

@test "ports: the forwarder runs as the caller, no capabilities, no_new_privs, seccomp" {
	local hp=$((PT_BASE + 12)) f
	pt_httpd "$PT_A" "$hp"
	f=$(pt_forwarder "$hp")
	[ -n "$f" ]
	run grep -E '^(Uid|Gid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "/proc/$f/status"
	local uid gid
	uid=$(id -u "$PT_A") gid=$(id -g "$PT_A")
	[[ "$output" == *"Uid:	$uid	$uid	$uid	$uid"* ]]
	[[ "$output" == *"Gid:	$gid	$gid	$gid	$gid"* ]]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$output" == *"CapPrm:	0000000000000000"* ]]
	[[ "$output" == *"CapBnd:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	# In the container's network namespace, not the host's.
	[ "$(readlink "/proc/$f/ns/net")" != "$(readlink /proc/self/ns/net)" ]
	# In the container's cgroup.
	grep -q "ctr-launch/u$uid/" "/proc/$f/cgroup"
	# The caller's oom_score_adj, as the payload's: never the keeper's.
	local k
	k=$(pgrep -u "$uid" -x httpd | head -1)
	[ -n "$k" ]
	[ "$(cat "/proc/$f/oom_score_adj")" = "$(cat "/proc/$k/oom_score_adj")" ]
	[ "$(cat "/proc/$f/oom_score_adj")" != -1000 ]
}

@test "ports: after the container ends nothing listens on the host port" {
	local hp=$((PT_BASE + 13))
	run ctl_as "$PT_A" "$CTL_BIN" run -p "$hp:8080" busybox sh -c \
	    "httpd -p 127.0.0.1:8080 -h /home/$PT_A; sleep 0.2; wget -q -O - http://127.0.0.1:8080/index.html"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from $PT_A" ]
	pt_nothing_left "$PT_A" "$hp"
}

@test "ports: kill -9 of the forwarder ends only the forwarding, reported at the end" {
	local hp=$((PT_BASE + 14)) log=$BATS_TEST_TMPDIR/log
	: >"$log"
	export hp log BATS_TEST_TMPDIR PT_CLIENT
	export -f ctl_as pt_stop pt_start pt_wait_page pt_listening pt_forwarder
	with_log "$log" bash -c '
	    pt_start "$PT_A" -p "$hp:8080" busybox sh -c \
		"httpd -f -p 127.0.0.1:8080 -h /home/$PT_A & sleep 2; while [ ! -e /home/$PT_A/stop ]; do sleep 0.1; done; echo container-alive"
	    pt_wait_page "$PT_A" "$hp"
	    f=$(pt_forwarder "$hp")
	    kill -9 "$f"
	    for _ in $(seq 50); do pt_listening "$hp" || break; sleep 0.1; done
	    pt_listening "$hp" && exit 3
	    touch /home/$PT_A/stop
	    wait
	    exit 0'
	grep -q container-alive "$BATS_TEST_TMPDIR/$PT_A.out"
	rm -f "/home/$PT_A/stop"
	grep 'event=end' "$log" | grep -q 'forwarder=died'
	grep 'event=end' "$log" | grep -q 'forwarder_signal=9'
	grep 'event=end' "$log" | grep -q 'status=0'
	grep 'event=grant' "$log" | grep -q "ports=\"127.0.0.1:$hp:8080\""
}

@test "ports: max_connections bounds the connections; extra ones are closed and counted" {
	local hp=$((PT_BASE + 15)) log=$BATS_TEST_TMPDIR/log
	: >"$log"
	pt_policy owner 2
	export hp log BATS_TEST_TMPDIR PT_CLIENT
	export -f ctl_as pt_stop pt_start pt_wait_page pt_listening
	with_log "$log" bash -c '
	    pt_start "$PT_A" -p "$hp:7000" busybox "/home/$PT_A/echod" 7000
	    for _ in $(seq 100); do
		ctl_as "$PT_A" python3 "$PT_CLIENT" echo "$hp" 1 16 >/dev/null && break
		sleep 0.1
	    done
	    exec 4> >(ctl_as "$PT_A" python3 "$PT_CLIENT" hold "$hp" 2 >"$BATS_TEST_TMPDIR/held")
	    for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/held" ] && break; sleep 0.1; done
	    sleep 0.3
	    ctl_as "$PT_A" python3 "$PT_CLIENT" closed "$hp" || exit 4
	    exec 4>&-
	    sleep 0.3
	    ctl_as "$PT_A" python3 "$PT_CLIENT" echo "$hp" 1 16 >/dev/null || exit 5
	    pt_stop
	    exit 0'
	pt_policy owner
	grep 'event=end' "$log" | grep -q 'conn_dropped=1'
}

@test "ports: refused connections are counted in the audit end line" {
	local hp=$((PT_BASE + 16)) log=$BATS_TEST_TMPDIR/log
	: >"$log"
	export hp log BATS_TEST_TMPDIR PT_CLIENT
	export -f ctl_as pt_stop pt_start pt_wait_page pt_httpd
	with_log "$log" bash -c '
	    pt_httpd "$PT_A" "$hp"
	    ctl_as "$PT_B" python3 "$PT_CLIENT" closed "$hp" || exit 4
	    ctl_as "$PT_B" python3 "$PT_CLIENT" closed "$hp" || exit 4
	    pt_stop
	    exit 0'
	grep 'event=end' "$log" | grep -q 'conn_refused=2'
	grep 'event=grant' "$log" | grep -q 'network=private'
	grep 'event=grant' "$log" | grep -q 'publish_access=owner'
}

@test "ports: IPv6 loopback, owner-only there too; nothing listening inside is counted as failed" {
	local hp=$((PT_BASE + 17)) hq=$((PT_BASE + 18)) log=$BATS_TEST_TMPDIR/log
	ip -6 addr show lo | grep -q '::1' || skip "no IPv6 loopback"
	: >"$log"
	pt_policy owner 256 'publish_addresses = ::1'
	export hp hq log BATS_TEST_TMPDIR PT_CLIENT
	export -f ctl_as pt_stop pt_start pt_listening
	run with_log "$log" bash -c '
	    pt_start "$PT_A" -p "[::1]:$hp:8080" busybox \
		httpd -f -p 127.0.0.1:8080 -h "/home/$PT_A"
	    for _ in $(seq 100); do
		ctl_as "$PT_A" python3 "$PT_CLIENT" get "$hp" /index.html --host ::1 && break
		sleep 0.1
	    done
	    echo
	    ctl_as "$PT_B" python3 -c "
import socket, sys
s = socket.create_connection((\"::1\", int(sys.argv[1])))
try:
    s.sendall(b\"GET / HTTP/1.0\r\n\r\n\")
    b = s.recv(1)
except OSError:
    b = b\"\"
print(\"other:\", len(b))" "$hp"
	    pt_stop
	    # Nothing listens on 9999 inside: one connection, one failure.
	    pt_start "$PT_A" -p "$hq:9999" busybox sleep 30
	    for _ in $(seq 100); do pt_listening "$hq" && break; sleep 0.1; done
	    ctl_as "$PT_A" python3 "$PT_CLIENT" closed "$hq" && echo "nothing-inside: closed"
	    pt_stop'
	pt_policy owner
	[[ "$output" == *"hello from $PT_A"* ]]
	[[ "$output" == *"other: 0"* ]]
	[[ "$output" == *"nothing-inside: closed"* ]]
	grep 'event=grant' "$log" | grep -q 'ports="\\x3a\\x3a1:'"$hp"':8080"'
	grep 'event=grant' "$log" | grep -q 'ports="127.0.0.1:'"$hq"':9999"'
	grep 'event=end' "$log" | grep -q 'conn_refused=1'
	grep 'event=end' "$log" | grep -q 'conn_forwarded=0 conn_refused=0 conn_dropped=0 conn_failed=1 '
}

# pt_info USER NAME: the keeper's record of USER's detached container.
pt_info() {
	echo "$CTL_ROOT/run/ctr-launch/c/u$(id -u "$1")/$2/info"
}

@test "ports: run -d publishes for the container's whole life; ps shows them; stop frees them; one end line with the counts" {
	local hp=$((PT_BASE + 30)) hp2=$((PT_BASE + 31)) log=$BATS_TEST_TMPDIR/log
	: >"$log"
	export hp hp2 BATS_TEST_TMPDIR PT_CLIENT
	export -f ctl_as pt_wait_page pt_listening
	with_log "$log" bash -c '
	    set -e
	    ctl_as "$PT_A" "$CTL_BIN" run -d --name web -p "$hp:8080" \
		-p "127.0.0.1:$hp2:8081" busybox httpd -f -p 127.0.0.1:8080 \
		-h "/home/$PT_A" >"$BATS_TEST_TMPDIR/name"
	    # The front has exited: the keeper and its forwarder serve.
	    pt_wait_page "$PT_A" "$hp"
	    ctl_as "$PT_A" python3 "$PT_CLIENT" get "$hp" /index.html >"$BATS_TEST_TMPDIR/page"
	    ctl_as "$PT_A" "$CTL_BIN" ps >"$BATS_TEST_TMPDIR/ps"
	    ctl_as "$PT_A" "$CTL_BIN" ps --format json >"$BATS_TEST_TMPDIR/json"
	    ctl_as "$PT_A" "$CTL_BIN" port web >"$BATS_TEST_TMPDIR/port"
	    ctl_as "$PT_A" "$CTL_BIN" port web 8081/tcp >"$BATS_TEST_TMPDIR/port1"
	    rc=0; ctl_as "$PT_A" "$CTL_BIN" port web 9999 2>"$BATS_TEST_TMPDIR/port2" || rc=$?
	    echo "$rc" >"$BATS_TEST_TMPDIR/rc2"
	    rc=0; ctl_as "$PT_B" "$CTL_BIN" port web 2>"$BATS_TEST_TMPDIR/port3" || rc=$?
	    echo "$rc" >"$BATS_TEST_TMPDIR/rc3"
	    ctl_as "$PT_A" "$CTL_BIN" stop web
	    ctl_as "$PT_A" "$CTL_BIN" port web >"$BATS_TEST_TMPDIR/port4"
	    ctl_as "$PT_A" "$CTL_BIN" ps -a >"$BATS_TEST_TMPDIR/psa"
	    ctl_as "$PT_A" "$CTL_BIN" rm web'
	[ "$(cat "$BATS_TEST_TMPDIR/name")" = web ]
	[ "$(cat "$BATS_TEST_TMPDIR/page")" = "hello from $PT_A" ]
	grep -q '^NAME .* STATUS .* PORTS .* CPU ' "$BATS_TEST_TMPDIR/ps"
	grep -q "^web .* Up .* 127.0.0.1:$hp->8080/tcp,127.0.0.1:$hp2->8081/tcp " "$BATS_TEST_TMPDIR/ps"
	grep -q "\"Names\":\"web\".*\"Ports\":\"127.0.0.1:$hp->8080/tcp,127.0.0.1:$hp2->8081/tcp\"" "$BATS_TEST_TMPDIR/json"
	grep -q "^web .* Exited .* 127.0.0.1:$hp->8080/tcp," "$BATS_TEST_TMPDIR/psa"
	# port, as docker port: every mapping, one port's addresses, a port
	# not published refused; another user has no "web"; ended, none.
	[ "$(cat "$BATS_TEST_TMPDIR/port")" = "8080/tcp -> 127.0.0.1:$hp
8081/tcp -> 127.0.0.1:$hp2" ]
	[ "$(cat "$BATS_TEST_TMPDIR/port1")" = "127.0.0.1:$hp2" ]
	[ "$(cat "$BATS_TEST_TMPDIR/port2")" = "ctr-launch: port: no public port 9999 published for web" ]
	[ "$(cat "$BATS_TEST_TMPDIR/rc2")" = 125 ]
	[[ "$(cat "$BATS_TEST_TMPDIR/port3")" == "ctr-launch: "*web* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/rc3")" = 125 ]
	[ ! -s "$BATS_TEST_TMPDIR/port4" ]
	pt_nothing_left "$PT_A" "$hp"
	! pt_listening "$hp2" || false
	# The end line, once, with the forwarder's counts (two pages at least).
	[ "$(grep -c 'event=end' "$log")" -eq 1 ]
	grep 'event=end' "$log" | grep -Eq 'conn_forwarded=([2-9]|[1-9][0-9])'
}

@test "ports: run -d without -p has an empty PORTS; kill and rm -f leave nothing listening" {
	local hp=$((PT_BASE + 32)) hp2=$((PT_BASE + 33))
	ctl_as "$PT_A" "$CTL_BIN" run -d --name plain busybox sleep 1000
	run -0 ctl_as "$PT_A" "$CTL_BIN" ps --format json
	[[ "$output" == *'"Names":"plain"'*'"Ports":""'* ]]
	! grep -q '^ports=' "$(pt_info "$PT_A" plain)" || false
	ctl_as "$PT_A" "$CTL_BIN" rm -f plain
	ctl_as "$PT_A" "$CTL_BIN" run -d --name k -p "$hp:8080" busybox \
	    httpd -f -p 127.0.0.1:8080 -h "/home/$PT_A"
	ctl_as "$PT_A" "$CTL_BIN" run -d --name r -p "$hp2:8080" busybox \
	    httpd -f -p 127.0.0.1:8080 -h "/home/$PT_A"
	pt_wait_page "$PT_A" "$hp"
	pt_wait_page "$PT_A" "$hp2"
	# The record is the keeper's (root's), read by ps as root.
	[ "$(stat -c %U "$(pt_info "$PT_A" k)")" = root ]
	grep -qx "ports=127.0.0.1:$hp->8080/tcp" "$(pt_info "$PT_A" k)"
	ctl_as "$PT_A" "$CTL_BIN" kill k
	ctl_as "$PT_A" "$CTL_BIN" wait k
	! pt_listening "$hp" || false
	ctl_as "$PT_A" "$CTL_BIN" rm -f r
	pt_nothing_left "$PT_A" "$hp2"
	ctl_as "$PT_A" "$CTL_BIN" rm k
}

@test "ports: the keeper killed (SIGKILL) frees its published port" {
	local hp=$((PT_BASE + 34)) k
	ctl_as "$PT_A" "$CTL_BIN" run -d --name gone -p "$hp:8080" busybox \
	    httpd -f -p 127.0.0.1:8080 -h "/home/$PT_A"
	pt_wait_page "$PT_A" "$hp"
	k=$(sed -n 's/^keeper=//p' "$(pt_info "$PT_A" gone)")
	[ -n "$k" ]
	# The forwarder is the keeper's child.
	[ "$(ps -o ppid= -p "$(pt_forwarder "$hp")" | tr -d ' ')" = "$k" ]
	kill -KILL "$k"
	# The container and its forwarder die with it; its stale cgroup is
	# swept by the next command (below).
	for _ in $(seq 50); do
		pgrep -u "$PT_A" >/dev/null || break
		sleep 0.1
	done
	! pgrep -u "$PT_A" || false
	! pt_listening "$hp" || false
	# The port is free: the same user publishes it again.
	ctl_as "$PT_A" "$CTL_BIN" run -d --name again -p "$hp:8080" busybox \
	    httpd -f -p 127.0.0.1:8080 -h "/home/$PT_A"
	pt_wait_page "$PT_A" "$hp"
	ctl_as "$PT_A" "$CTL_BIN" rm -f again gone
	pt_nothing_left "$PT_A" "$hp"
}

@test "ports: exec into a --network private container joins its network: the service on 127.0.0.1 inside" {
	local hp=$((PT_BASE + 35))
	ctl_as "$PT_A" "$CTL_BIN" run -d --name priv --network private busybox \
	    httpd -f -p 127.0.0.1:8080 -h "/home/$PT_A"
	ctl_as "$PT_A" "$CTL_BIN" run -d --name pub -p "$hp:8081" busybox \
	    httpd -f -p 127.0.0.1:8081 -h "/home/$PT_A"
	pt_wait_page "$PT_A" "$hp"
	for _ in $(seq 50); do
		ctl_as "$PT_A" "$CTL_BIN" exec priv wget -q -O - \
		    http://127.0.0.1:8080/index.html >"$BATS_TEST_TMPDIR/page" 2>/dev/null && break
		sleep 0.1
	done
	[ "$(cat "$BATS_TEST_TMPDIR/page")" = "hello from $PT_A" ]
	run -0 ctl_as "$PT_A" "$CTL_BIN" exec pub wget -q -O - \
	    http://127.0.0.1:8081/index.html
	[ "$output" = "hello from $PT_A" ]
	# Each exec is in its own container's network, not the host's.
	run ctl_as "$PT_A" "$CTL_BIN" exec priv wget -q -O - \
	    http://127.0.0.1:8081/index.html
	[ "$status" -ne 0 ]
	! pt_listening 8080 || false
	run -0 ctl_as "$PT_A" "$CTL_BIN" exec pub cat /proc/net/dev
	[[ $output == *" lo:"* ]]
	[ "$(grep -c ':' <<<"$output")" -eq 1 ]
	ctl_as "$PT_A" "$CTL_BIN" rm -f priv pub
	pt_nothing_left "$PT_A" "$hp"
}

@test "habits: -u accepted only for the caller's own uid, name, gid or group" {
	local uid gid
	uid=$(id -u "$PT_A") gid=$(id -g "$PT_A")
	run ctl_as "$PT_A" "$CTL_BIN" run -u "$uid:$gid" busybox id -u
	[ "$status" -eq 0 ]
	[ "$output" = "$uid" ]
	run ctl_as "$PT_A" "$CTL_BIN" run --user "$PT_A" busybox true
	[ "$status" -eq 0 ]
	run ctl_as "$PT_A" "$CTL_BIN" run -u "$PT_A:$PT_A" busybox true
	[ "$status" -eq 0 ]
	run ctl_as "$PT_A" "$CTL_BIN" run -u 0 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"ctr-launch always runs you as yourself (uid $uid"* ]]
	run ctl_as "$PT_A" "$CTL_BIN" run -u root busybox true
	[ "$status" -eq 125 ]
	run ctl_as "$PT_A" "$CTL_BIN" run -u "$uid:0" busybox true
	[ "$status" -eq 125 ]
	run ctl_as "$PT_A" "$CTL_BIN" run -u "$(id -u "$PT_B")" busybox true
	[ "$status" -eq 125 ]
}

@test "habits: images and info --format json" {
	run ctl_as "$PT_A" "$CTL_BIN" images --format json
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert any(i["name"] == "busybox:latest" for i in v), v'
	run ctl_as "$PT_A" "$CTL_BIN" info --format json
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert v["version"] == 1
assert v["user"] == sys.argv[1] and v["uid"] == int(sys.argv[2])
assert "private" in v["network"]
assert v["ports"][0]["first"] == 18000 and v["ports"][0]["last"] == 19999
assert v["publish_addresses"] == ["127.0.0.1"]
assert v["publish_access"] == "owner"
assert v["limits"]["max_connections"] == 256
assert v["limits"]["pids"] == 2048
' "$PT_A" "$(id -u "$PT_A")"
	run ctl_as "$PT_A" "$CTL_BIN" info --format yaml
	[ "$status" -eq 125 ]
}

@test "policy: ctr-policy check and explain know ports, addresses, access" {
	local f=$BATS_TEST_TMPDIR/p.ini
	cat >"$f" <<EOF
[default]
images = busybox
network = private
ports = 80, 8800-8899
publish_addresses = 0.0.0.0
publish_access = any
max_connections = 10
EOF
	run "$CTL_POLICYTOOL" check "$f"
	[ "$status" -eq 0 ]
	[[ "$output" == *"privileged ports"* ]]
	[[ "$output" == *"publish_addresses 0.0.0.0"* ]]
	# All of 127.0.0.0/8 is loopback, where publish_access applies.
	printf '[default]\nimages = busybox\npublish_addresses = 127.0.0.2, ::1\n' >"$f"
	run "$CTL_POLICYTOOL" check "$f"
	[ "$status" -eq 0 ]
	[[ "$output" != *"publish_addresses"* ]]
	printf '[default]\nimages = busybox\nports = 8800-8700\n' >"$f"
	run "$CTL_POLICYTOOL" check "$f"
	[ "$status" -eq 1 ]
	[[ "$output" == *":3:"*"bad ports entry"* ]]
	printf '[default]\nimages = busybox\npublish_access = everyone\n' >"$f"
	run "$CTL_POLICYTOOL" check "$f"
	[ "$status" -eq 1 ]
	printf '[default]\nimages = busybox\npublish_addresses = 1.2.3\n' >"$f"
	run "$CTL_POLICYTOOL" check "$f"
	[ "$status" -eq 1 ]
	run "$CTL_POLICYTOOL" explain "$PT_A"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ports"*"18000-19999"* ]]
	[[ "$output" == *"publish_addresses    127.0.0.1"* ]]
	[[ "$output" == *"publish_access       owner"* ]]
	[[ "$output" == *"max_connections      256"* ]]
}
