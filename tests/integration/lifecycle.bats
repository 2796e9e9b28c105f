#!/usr/bin/env bats
# Detached containers and their lifecycle (ctr-launch(1): run -d, ps,
# logs, stop, kill, rm, wait), end to end as real throwaway users: the
# seed's story, names, two users with the same name, the keeper killed,
# the log cap, the policy keys, and nothing left behind.

load lib

bats_require_minimum_version 1.5.0

setup_file() {
	export LC_TAG LC_A LC_B
	LC_TAG=$(ctl_tag)
	LC_A=lca$LC_TAG LC_B=lcb$LC_TAG
	ctl_useradd "$LC_A"
	ctl_useradd "$LC_B"
	lc_policy
	ctl_image_busybox
}

teardown_file() {
	for u in "$LC_A" "$LC_B"; do
		ctl_as "$u" "$CTL_BIN" rm -f lab >/dev/null 2>&1 || true
		ctl_userdel "$u"
	done
}

teardown() {
	# Whatever a test left running of its users.
	for u in "$LC_A" "$LC_B"; do
		for n in $(ctl_as "$u" "$CTL_BIN" ps -a -q 2>/dev/null); do
			ctl_as "$u" "$CTL_BIN" rm -f "$n" >/dev/null 2>&1 || true
		done
	done
	lc_policy
	[ -z "${LC_DUMPABLE:-}" ] || sysctl -q -w fs.suid_dumpable="$LC_DUMPABLE"
}

# lc_dumpable VALUE: fs.suid_dumpable for this test (teardown puts the
# host's back).  The kernel sets a dropping process's dumpable flag from
# it, and exec's command process runs on its parent's memory until its
# execve (kexec.c): the exec tests run under 1 and 0.
lc_dumpable() {
	[ -n "${LC_DUMPABLE:-}" ] || LC_DUMPABLE=$(sysctl -n fs.suid_dumpable)
	sysctl -q -w fs.suid_dumpable="$1"
}

# lc_policy [EXTRA LINES]: the suite's policy, EXTRA added to [default].
lc_policy() {
	ctl_policy <<EOF
[default]
images = busybox
max_containers = 4
binds = %h:%h
user_binds = %h
memory = 256M
pids = 64
tmpfs_size = 16M
network = host
${1:-}
EOF
}

as() {
	local u=$1
	shift
	ctl_as "$u" "$CTL_BIN" "$@"
}

uid_of() { id -u "$1"; }

# A service that prints a banner, then serves its files over HTTP.
LC_SERVICE='echo "lab banner: token=abc123"; mkdir -p /tmp/www; echo hello >/tmp/www/index.html; exec httpd -f -p 127.0.0.1:0 -h /tmp/www'
LC_LOOP='echo "lab banner"; while :; do sleep 1; done'

state_dir() { echo "$CTL_ROOT/run/ctr-launch/c/u$(uid_of "$1")/$2"; }
log_file() { echo "$CTL_ROOT/var/ctr-launch/logs/u$(uid_of "$1")/$2.log"; }
# no_cgroup USER NAME-GLOB: no container cgroup of USER matches, in any
# hierarchy (the keeper removes it after it has answered).
no_cgroup() {
	! find /sys/fs/cgroup -path "*ctr-launch/u$(uid_of "$1")/$2" 2>/dev/null | grep -q . || false
}

@test "the seed's story: run -d --name, ps, logs, stop, ps -a, wait, rm, nothing left" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_SERVICE"
	[ "$output" = lab ]
	run -0 as "$LC_A" ps
	[[ "$output" == *NAME*STATUS* ]]
	[[ "$output" == *"lab "*busybox:latest*"Up "* ]]
	ctl_wait_for grep -q 'token=abc123' "$(log_file "$LC_A" lab)"
	run -0 as "$LC_A" logs lab
	[[ "$output" == *"lab banner: token=abc123"* ]]
	# The state and the log are root's alone.
	[ "$(stat -c '%U %a' "$(state_dir "$LC_A" lab)")" = "root 700" ]
	[ "$(stat -c '%U %a' "$(log_file "$LC_A" lab)")" = "root 600" ]
	kpid=$(sed -n 's/^keeper=//p' "$(state_dir "$LC_A" lab)/info")
	[ "$(stat -c %u /proc/"$kpid")" = 0 ]
	# The keeper holds nothing of the caller's session.
	[ "$(readlink /proc/"$kpid"/cwd)" = / ]
	for fd in 0 1 2; do [ "$(readlink /proc/"$kpid"/fd/$fd)" = /dev/null ]; done
	[ "$(ps -o tty= -p "$kpid" | tr -d ' ')" = "?" ]
	# exec sees the service's files and processes, as the caller, under
	# either fs.suid_dumpable.
	for v in 1 0; do
		lc_dumpable "$v"
		run -0 as "$LC_A" exec lab cat /tmp/www/index.html
		[ "$output" = hello ]
		run -0 as "$LC_A" exec lab ps
		[[ "$output" == *"httpd -f -p 127.0.0.1:0"* ]]
		run -0 as "$LC_A" exec -e GREETING=hi -w /tmp/www lab sh -c 'id -u; echo $GREETING; pwd'
		[ "${lines[0]}" = "$(uid_of "$LC_A")" ]
		[ "${lines[1]}" = hi ]
		[ "${lines[2]}" = /tmp/www ]
		run -3 as "$LC_A" exec lab sh -c 'exit 3'
		run -137 as "$LC_A" exec lab sh -c 'kill -9 $$'
		run -127 as "$LC_A" exec lab no-such-command
		run -125 as "$LC_A" exec -w /no/such/dir lab true
		[[ "$output" == "ctr-launch: exec: cannot enter the working directory /no/such/dir"* ]]
		run -0 bash -c "echo piped-in | setpriv --reuid=$(uid_of "$LC_A") --regid=$(id -g "$LC_A") --init-groups -- '$CTL_BIN' exec -i lab cat"
		[ "$output" = piped-in ]
	done
	run -0 as "$LC_A" stop -t 5 lab
	[ "$output" = lab ]
	run -0 as "$LC_A" ps
	[[ "$output" != *"lab "* ]]
	run -0 as "$LC_A" ps -a
	[[ "$output" == *"lab "*"Exited (143) "*ago* ]]
	run -0 as "$LC_A" wait lab
	[ "$output" = 143 ]
	run -0 as "$LC_A" rm lab
	[ "$output" = lab ]
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
	[ ! -e "$(state_dir "$LC_A" lab)" ]
	[ ! -e "$(log_file "$LC_A" lab)" ]
	# The keeper ends after its last answer, its teardown done.
	gone() { ! kill -0 "$kpid" 2>/dev/null; }
	ctl_wait_for gone
	no_cgroup "$LC_A" lab
}

@test "exec -t: a new terminal of the container's own, the status, input with -i; empty arguments" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	for v in 1 0; do
		lc_dumpable "$v"
		run -4 ctl_as "$LC_A" script -qec "$CTL_BIN exec -t lab sh -c 'tty; exit 4'" /dev/null
		[[ "$output" == */dev/pts/0* ]]
		run -5 bash -c "printf 'echo typed-\$((40+2))\nexit 5\n' | setpriv --reuid=$(uid_of "$LC_A") --regid=$(id -g "$LC_A") --init-groups -- script -qec '$CTL_BIN exec -it lab sh' /dev/null"
		[[ "$output" == *typed-42* ]]
	done
	# Without -t the container never gets the caller's terminal.
	run -0 ctl_as "$LC_A" script -qec "$CTL_BIN exec lab sh -c 'tty; ls -l /proc/self/fd/1'" /dev/null
	[[ "$output" == *"not a tty"* ]]
	[[ "$output" == *pipe:* ]]
	# Empty arguments stay arguments, with -t or without.
	run -0 as "$LC_A" exec lab printf '[%s]' '' x ''
	[ "$output" = "[][x][]" ]
	run -0 ctl_as "$LC_A" script -qec "$CTL_BIN exec -t lab printf '<%s>' '' y" /dev/null
	[[ "$output" == *"<><y>"* ]]
}

# tmux_as USER CMD: a detached tmux session (its own server) running CMD
# as USER in an 80x24 terminal.
tmux_as() {
	LC_TMUX=lc$LC_TAG$BATS_TEST_NUMBER
	tmux -L "$LC_TMUX" new-session -d -x 80 -y 24 \
	    "setpriv --reuid=$(uid_of "$1") --regid=$(id -g "$1") --init-groups -- $2; echo \"ENDED rc=\$?\"; sleep 60"
}

pane() { tmux -L "$LC_TMUX" capture-pane -p; }
pane_has() { pane | grep -q -- "$1"; }

@test "attach to a -d -t container, Ctrl-P Ctrl-Q detaches, one client at a time" {
	run -0 as "$LC_A" run -d -t --name lab busybox sh
	tmux_as "$LC_A" "$CTL_BIN attach lab"
	tmux -L "$LC_TMUX" send-keys 'echo hi-$((40+2))' Enter
	ctl_wait_for pane_has hi-42
	# A second client gets a clear error.
	run -125 as "$LC_A" attach lab
	[[ "$output" == *"another client is attached"* ]]
	tmux -L "$LC_TMUX" send-keys C-p C-q
	ctl_wait_for pane_has "ENDED rc=0"
	# Still running; the session's output is in its log.
	run -0 as "$LC_A" ps
	[[ "$output" == *"lab "*"Up "* ]]
	run -0 as "$LC_A" logs lab
	[[ "$output" == *hi-42* ]]
	tmux -L "$LC_TMUX" kill-server
	# Attach again; exit ends the container and the attach with its status.
	tmux_as "$LC_A" "$CTL_BIN attach --detach-keys ctrl-x lab"
	tmux -L "$LC_TMUX" send-keys 'exit 6' Enter
	ctl_wait_for pane_has "ENDED rc=6"
	tmux -L "$LC_TMUX" kill-server
	run -0 as "$LC_A" wait lab
	[ "$output" = 6 ]
}

# front_pid USER PATTERN: the launching process (P0, the caller's own) of
# the run whose command line matches PATTERN.
front_pid() { pgrep -u "$(uid_of "$1")" -f -- "$2" | head -n 1; }

@test "run -it: Ctrl-P Ctrl-Q detaches, the container runs on; attach gets back in" {
	tmux_as "$LC_A" "$CTL_BIN run -it --name fg busybox sh"
	tmux -L "$LC_TMUX" send-keys 'echo hi-$((40+2))' Enter
	ctl_wait_for pane_has hi-42
	# A foreground run is a container like the others while it runs,
	# and its launcher is the one attached client.
	run -0 as "$LC_A" ps
	[[ "$output" == *"fg "*"Up "* ]]
	run -125 as "$LC_A" attach fg
	[[ "$output" == *"another client is attached"* ]]
	tmux -L "$LC_TMUX" send-keys C-p C-q
	ctl_wait_for pane_has "ENDED rc=0"
	tmux -L "$LC_TMUX" kill-server
	run -0 as "$LC_A" ps
	[[ "$output" == *"fg "*"Up "* ]]
	run -0 as "$LC_A" logs fg
	[[ "$output" == *hi-42* ]]
	# The keeper holds nothing of the caller's session once detached.
	kpid=$(sed -n 's/^keeper=//p' "$(state_dir "$LC_A" fg)/info")
	[ "$(readlink /proc/"$kpid"/cwd)" = / ]
	for fd in 0 1 2; do [ "$(readlink /proc/"$kpid"/fd/$fd)" = /dev/null ]; done
	tmux_as "$LC_A" "$CTL_BIN attach fg"
	tmux -L "$LC_TMUX" send-keys 'echo back-$((40+3))' Enter
	ctl_wait_for pane_has back-43
	tmux -L "$LC_TMUX" send-keys 'exit 7' Enter
	ctl_wait_for pane_has "ENDED rc=7"
	tmux -L "$LC_TMUX" kill-server
	# Detached, it is kept as run -d keeps it.
	run -0 as "$LC_A" wait fg
	[ "$output" = 7 ]
	run -0 as "$LC_A" ps -a
	[[ "$output" == *"fg "*"Exited (7) "* ]]
}

@test "run -it: its status comes back, nothing is left; the caller's SIGTERM reaches the payload" {
	tmux_as "$LC_A" "$CTL_BIN run -it --name fg busybox sh"
	tmux -L "$LC_TMUX" send-keys 'echo hi-$((40+2)); exit 5' Enter
	ctl_wait_for pane_has "ENDED rc=5"
	pane_has hi-42
	tmux -L "$LC_TMUX" kill-server
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
	[ ! -e "$(state_dir "$LC_A" fg)" ]
	[ ! -e "$(log_file "$LC_A" fg)" ]
	ctl_wait_for no_cgroup "$LC_A" fg
	tmux_as "$LC_A" "$CTL_BIN run -it --name fg busybox sh -c 'trap \"echo got-term; exit 9\" TERM; echo ready-\$((1+1)); while :; do sleep 1; done'"
	ctl_wait_for pane_has ready-2
	p0=$(front_pid "$LC_A" "run -it --name fg")
	[ -n "$p0" ]
	kill -TERM "$p0"
	ctl_wait_for pane_has "ENDED rc=9"
	pane_has got-term
	tmux -L "$LC_TMUX" kill-server
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
}

@test "run -it: the status comes back when the caller's input is still coming as the container ends" {
	# The input floods the container's terminal, which is never read:
	# unread bytes of the caller are in the keeper's socket when the
	# container ends; the status must come before the connection closes.
	run ctl_as "$LC_A" sh -c "yes | head -c 4000000 | script -qec '$CTL_BIN run -it busybox sh -c \"sleep 2; exit 7\"; echo rc=\$?' /dev/null"
	echo "$output" | tail -n 3
	[[ "$output" == *"rc=7"* ]]
	[[ "$output" != *"keeper process died"* ]]
	# A setup failure after the terminal exists says why, once.
	run ctl_as "$LC_A" sh -c "yes | head -c 100000 | script -qec '$CTL_BIN run -it -w /nonexist busybox sh; echo rc=\$?' /dev/null"
	echo "$output" | tail -n 3
	[[ "$output" == *"cannot make the working directory /nonexist: Read-only file system"* ]]
	[[ "$output" == *"rc=125"* ]]
	[[ "$output" != *"keeper process died"* ]]
}

@test "run -it: the front killed before a detach ends the container; nothing is left" {
	tmux_as "$LC_A" "$CTL_BIN run -it --name fg busybox sh"
	tmux -L "$LC_TMUX" send-keys 'echo hi-$((40+2))' Enter
	ctl_wait_for pane_has hi-42
	kpid=$(sed -n 's/^keeper=//p' "$(state_dir "$LC_A" fg)/info")
	p0=$(front_pid "$LC_A" "run -it --name fg")
	[ -n "$p0" ]
	kill -9 "$p0"
	ctl_wait_for pane_has "ENDED rc=137"
	tmux -L "$LC_TMUX" kill-server
	gone() { ! kill -0 "$kpid" 2>/dev/null; }
	ctl_wait_for gone
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
	[ ! -e "$(state_dir "$LC_A" fg)" ]
	[ ! -e "$(log_file "$LC_A" fg)" ]
	no_cgroup "$LC_A" fg
}

@test "run -it: the keeper killed, the front exits 125 saying so and the container dies" {
	tmux_as "$LC_A" "$CTL_BIN run -it --name fg busybox sh"
	tmux -L "$LC_TMUX" send-keys 'echo hi-$((40+2))' Enter
	ctl_wait_for pane_has hi-42
	kpid=$(sed -n 's/^keeper=//p' "$(state_dir "$LC_A" fg)/info")
	kill -9 "$kpid"
	ctl_wait_for pane_has "ENDED rc=125"
	pane_has "keeper process died"
	tmux -L "$LC_TMUX" kill-server
	dead() { ! pgrep -u "$(uid_of "$LC_A")" >/dev/null; }
	ctl_wait_for dead
	run -0 as "$LC_A" ps -a
	[[ "$output" == *"fg "*"Exited (unknown)"* ]]
	run -0 as "$LC_A" rm fg
}

@test "run -it --detach-keys: those keys detach, Ctrl-P Ctrl-Q reach the container" {
	run -125 as "$LC_A" run -it --detach-keys ctrl-pp busybox true
	[[ "$output" == *"--detach-keys"* ]]
	tmux_as "$LC_A" "$CTL_BIN run -it --detach-keys ctrl-x --name fg busybox sh"
	tmux -L "$LC_TMUX" send-keys 'stty -ixon; cat -v' Enter
	sleep 0.5
	tmux -L "$LC_TMUX" send-keys C-p C-q Enter
	ctl_wait_for pane_has '\^P\^Q'
	tmux -L "$LC_TMUX" send-keys C-d C-x
	ctl_wait_for pane_has "ENDED rc=0"
	tmux -L "$LC_TMUX" kill-server
	run -0 as "$LC_A" ps
	[[ "$output" == *"fg "*"Up "* ]]
	run -0 as "$LC_A" rm -f fg
}

@test "allow_detach = no: run -it stays in the foreground, the detach keys are bytes" {
	lc_policy "allow_detach = no"
	tmux_as "$LC_A" "$CTL_BIN run -it --name fg busybox sh"
	tmux -L "$LC_TMUX" send-keys 'stty -ixon; cat -v' Enter
	sleep 0.5
	tmux -L "$LC_TMUX" send-keys C-p C-q Enter
	ctl_wait_for pane_has '\^P\^Q'
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
	tmux -L "$LC_TMUX" send-keys C-d 'exit 3' Enter
	ctl_wait_for pane_has "ENDED rc=3"
	tmux -L "$LC_TMUX" kill-server
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
}

@test "run -it without a terminal on stdin: no detach keys, no record" {
	run -0 bash -c "printf '\\020\\021' | setpriv --reuid=$(uid_of "$LC_A") --regid=$(id -g "$LC_A") --init-groups -- '$CTL_BIN' run -it --name fg busybox sh -c 'sleep 1; echo done-\$((40+2))'"
	[[ "$output" == *done-42* ]]
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
}

@test "exec -it with a pipe for input: its end reaches the reader" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run ctl_as "$LC_A" bash -c "printf 'hi\n' | timeout 20 '$CTL_BIN' exec -it lab cat"
	[ "$status" -eq 0 ]
	[[ "$output" == *hi* ]]
}

@test "attach: refused without -t, to another user, and with bad detach keys" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run -125 as "$LC_A" attach lab
	[[ "$output" == *"not started with -t"* ]]
	run -0 as "$LC_B" run -d -t --name tty busybox sh
	run -125 as "$LC_A" attach tty
	[[ "$output" == *"no such container: tty"* ]]
	run -125 as "$LC_B" attach --detach-keys ctrl-pp tty
	[[ "$output" == *"--detach-keys"* ]]
}

@test "50 detached containers of one user at once, ps, then stop them all; nothing left" {
	lc_policy "[user:$LC_A]
max_containers = 60
[global]
max_total_containers = 200"
	for i in $(seq 1 50); do
		cmd=$LC_LOOP
		[ "$i" != 37 ] || cmd="head -c 12000000 /dev/zero >/dev/shm/big; $LC_LOOP"
		run -0 as "$LC_A" run -d --name "c$i" busybox sh -c "$cmd"
	done
	run -0 as "$LC_A" ps -q
	[ "${#lines[@]}" = 50 ]
	# ps asks several keepers at once: every row, the newest first (by
	# name within a second), has its own keeper's answer (c37 alone
	# holds 12 MB).
	order=$(as "$LC_A" ps --format json |
	    sed -E 's/.*"Names":"([^"]*)".*"CreatedAt":([0-9]+).*/\2 \1/' |
	    LC_ALL=C sort -k1,1nr -k2,2 | awk '{print $2}')
	run -0 as "$LC_A" ps
	[ "${#lines[@]}" = 51 ]
	[ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $1}')" = "$order" ]
	[ "$(LC_ALL=C sort <<<"$order")" = "$(seq -f 'c%g' 1 50 | LC_ALL=C sort)" ]
	[ -z "$(printf '%s\n' "${lines[@]:1}" | awk '$NF == "-"')" ]
	[ "$(printf '%s\n' "${lines[@]:1}" |
	    awk '$NF ~ /MiB$/ && $NF + 0 >= 10 {print $1}')" = c37 ]
	# shellcheck disable=SC2046
	run -0 as "$LC_A" stop -t 2 $(seq -f 'c%g' 1 50)
	[ "${#lines[@]}" = 50 ]
	run -0 as "$LC_A" ps -q
	[ -z "$output" ]
	# Ended records beyond max_exited (20) went with that ps.
	run -0 as "$LC_A" ps -a -q
	[ "${#lines[@]}" = 20 ]
	# shellcheck disable=SC2046
	run -0 as "$LC_A" rm $(as "$LC_A" ps -a -q)
	[ ! -e "$CTL_ROOT/run/ctr-launch/c/u$(uid_of "$LC_A")" ]
	[ ! -e "$CTL_ROOT/var/ctr-launch/logs/u$(uid_of "$LC_A")" ]
	! pgrep -u "$LC_A" >/dev/null || false
	ctl_wait_for no_cgroup "$LC_A" "c*"
}

@test "ps --format json, -q and --no-trunc" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run -0 as "$LC_A" ps --format json
	[[ "$output" == '{"Names":"lab","Image":"busybox:latest",'* ]]
	[[ "$output" == *'"State":"running"'* ]]
	run -0 as "$LC_A" ps -q
	[ "$output" = lab ]
	# COMMAND is cut after 17 characters, whole with --no-trunc.
	run -0 as "$LC_A" ps
	[[ "${lines[1]}" == *' "sh -c '"${LC_LOOP:0:11}"'..." '* ]]
	run -0 as "$LC_A" ps --no-trunc
	[[ "${lines[1]}" == *' "sh -c '"$LC_LOOP"'" '* ]]
}

@test "ps: the newest first; -n, -l and --filter as docker's" {
	run -0 as "$LC_A" run -d --name lab1 busybox sh -c "$LC_LOOP"
	sleep 1.1 # the creation time counts in seconds
	run -0 as "$LC_A" run -d --name done3 busybox sh -c 'exit 3'
	run -0 as "$LC_A" wait done3
	[ "$output" = 3 ]
	sleep 1.1
	run -0 as "$LC_A" run -d --name lab2 busybox sh -c "$LC_LOOP"
	run -0 as "$LC_A" ps -q
	[ "$output" = $'lab2\nlab1' ]
	run -0 as "$LC_A" ps -a -q
	[ "$output" = $'lab2\ndone3\nlab1' ]
	run -0 as "$LC_A" ps
	[[ "${lines[1]}" == "lab2 "* ]] && [[ "${lines[2]}" == "lab1 "* ]]
	# -n and -l: the last created, ended ones too.
	run -0 as "$LC_A" ps -q -l
	[ "$output" = lab2 ]
	run -0 as "$LC_A" ps -q -n 2
	[ "$output" = $'lab2\ndone3' ]
	run -0 as "$LC_A" ps -q --last=5
	[ "$output" = $'lab2\ndone3\nlab1' ]
	# status and exited list ended containers without -a.
	run -0 as "$LC_A" ps -q -f status=exited
	[ "$output" = done3 ]
	run -0 as "$LC_A" ps -q --filter exited=3
	[ "$output" = done3 ]
	run -0 as "$LC_A" ps -q -f exited=0
	[ -z "$output" ]
	run -0 as "$LC_A" ps -q -f status=running
	[ "$output" = $'lab2\nlab1' ]
	# name: a part of it, or anchored; one key's filters: any of them;
	# two keys: both.
	run -0 as "$LC_A" ps -q -f name=lab
	[ "$output" = $'lab2\nlab1' ]
	run -0 as "$LC_A" ps -a -q -f 'name=^lab1$' -f name=done
	[ "$output" = $'done3\nlab1' ]
	run -0 as "$LC_A" ps -a -q -f name=lab -f status=exited
	[ -z "$output" ]
	run -0 as "$LC_A" ps -q -f ancestor=busybox
	[ "$output" = $'lab2\nlab1' ]
	run -0 as "$LC_A" ps -q -f ancestor=docker.io/library/busybox:latest
	[ "$output" = $'lab2\nlab1' ]
	run -0 as "$LC_A" ps -q -f ancestor=busybox:1.0
	[ -z "$output" ]
	run -0 as "$LC_A" ps --format json -f name=lab1
	[[ "$output" == '{"Names":"lab1",'* ]] && [ "${#lines[@]}" -eq 1 ]
	# Nothing matched: the header alone.
	run -0 as "$LC_A" ps -f name=nosuch
	[ "${#lines[@]}" -eq 1 ] && [[ "$output" == NAME* ]]
	run -125 as "$LC_A" ps -f label=a=b
	[ "$output" = "ctr-launch: ps: --filter label=a=b: name=, status=, exited= or ancestor= and a value" ]
	run -125 as "$LC_A" ps -f status=up
	[[ "$output" == "ctr-launch: ps: --filter status=up: a status is created,"* ]]
	# Another user's containers never show, whatever the filter.
	run -0 as "$LC_B" ps -a -q -f name=lab
	[ -z "$output" ]
}

@test "exec -u: accepted when it names the container's owner, as run -u; root's names the owner and their group" {
	local uid gid
	uid=$(id -u "$LC_A") gid=$(id -g "$LC_A")
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run -0 as "$LC_A" exec -u "$uid:$gid" lab id -u
	[ "$output" = "$uid" ]
	run -0 as "$LC_A" exec --user "$LC_A:$LC_A" lab id -un
	[ "$output" = "$LC_A" ]
	run -0 as "$LC_A" exec -u "$LC_A" lab true
	for u in 0 root "$uid:0" "$(id -u "$LC_B")"; do
		run -125 as "$LC_A" exec -u "$u" lab id -u
		[ "$output" = "ctr-launch: exec: -u $u refused: ctr-launch always runs you as yourself (uid $uid, gid $gid)" ]
	done
	# Root: -u names the owner (whose container it is), and their group.
	run -0 "$CTL_BIN" exec -u "$LC_A:$gid" lab id -u
	[ "$output" = "$uid" ]
	run -0 "$CTL_BIN" exec --user "$uid:$LC_A" lab id -u
	[ "$output" = "$uid" ]
	run -125 "$CTL_BIN" exec -u "$LC_A:0" lab id -u
	[ "$output" = "ctr-launch: exec: -u $LC_A:0 refused: the command runs as the container's owner, with their own group" ]
	# Other commands keep --user root's.
	run -125 as "$LC_A" stop --user "$LC_A" lab
	[[ "$output" == *"--user are for root"* ]]
}

@test "exec -d: the command runs on in the background with -e and -w; 127 and 126 with the reason; -i and -t refused" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run -0 as "$LC_A" exec -d -e X=set -w /tmp lab sh -c 'echo "$X $(pwd)" >o.txt; exec sleep 321'
	[ -z "$output" ]
	ctl_wait_for as "$LC_A" exec lab test -s /tmp/o.txt
	run -0 as "$LC_A" exec lab cat /tmp/o.txt
	[ "$output" = "set /tmp" ]
	run -0 as "$LC_A" exec lab ps -o args
	[[ "$output" == *"sleep 321"* ]]
	# Root's, for the owner, as exec --user.
	run -0 "$CTL_BIN" exec --detach --user "$LC_A" lab sleep 322
	ctl_wait_for pgrep -u "$LC_A" -f '^sleep 322$'
	run -127 as "$LC_A" exec -d lab nosuch
	[ "$output" = "ctr-launch: nosuch: command not found" ]
	run -126 as "$LC_A" exec -d lab /etc/passwd
	[[ "$output" == "ctr-launch: /etc/passwd: "*"ermission denied" ]]
	for o in -i -t -it; do
		run -125 as "$LC_A" exec -d "$o" lab sh
		[ "$output" = "ctr-launch: exec: -d runs the command in the background with no input or terminal: leave out -i and -t, or -d" ]
	done
	run -0 as "$LC_A" stop -t 1 lab
	ctl_wait_for sh -c "! pgrep -u $LC_A -f '^sleep 32[12]\$'"
	# At its pids limit (its init and sleep, then exec's own process),
	# the container has no room for the command: 125 and why, nothing
	# runs.
	run -0 as "$LC_A" run -d --name full --pids-limit 3 busybox sleep 300
	run -125 as "$LC_A" exec -d full sleep 323
	[[ "$output" == "ctr-launch: "* ]]
	sleep 0.5
	run -1 pgrep -u "$LC_A" -f '^sleep 323$'
}

@test "exec --env-file: read as the caller, from their directory, in order, -e over all" {
	local h=/home/$LC_A
	printf 'A=file\nB=file\n# c\nTOKEN\n' >"$h/env.list"
	printf 'A=second\nD=second\n' >"$h/env2.list"
	chown "$LC_A:" "$h/env.list" "$h/env2.list"
	run -0 as "$LC_A" run -d --name lab -e A=image busybox sh -c "$LC_LOOP"
	run -0 ctl_as "$LC_A" env TOKEN=fromcaller "$CTL_BIN" exec \
	    --env-file env.list --env-file env2.list -e B=opt lab \
	    sh -c 'echo "$A|$B|$D|$TOKEN|$HOME"'
	[ "$output" = "second|opt|second|fromcaller|$h" ]
	# The container's own environment where nothing overrides it.
	run -0 as "$LC_A" exec lab sh -c 'echo "$A"'
	[ "$output" = image ]
	# Root could read it; the caller cannot: refused, nothing runs.
	run -125 as "$LC_A" exec --env-file /etc/shadow lab sh -c 'echo ran'
	[[ "$output" == "ctr-launch: exec: --env-file /etc/shadow"*"ermission denied"* ]]
	[[ "$output" != *ran* ]]
	run -125 as "$LC_A" exec --env-file nosuch lab true
	[[ "$output" == *"--env-file nosuch"* ]]
	printf '1BAD=x\n' >"$h/bad.list"
	chown "$LC_A:" "$h/bad.list"
	run -125 as "$LC_A" exec --env-file bad.list lab true
	[[ "$output" == *"--env-file bad.list line 1: the variable name must match"* ]]
	# Root's exec reads as root.
	run -0 "$CTL_BIN" exec --user "$LC_A" --env-file "$h/env.list" lab sh -c 'echo "$B"'
	[ "$output" = file ]
}

@test "ps: a running container's CPU time (its reaped children's too) and memory, in the table and in JSON" {
	# The shell's child burns the CPU and is reaped before the sleep.
	run -0 as "$LC_A" run -d --name lab busybox sh -c \
	    '(i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done); echo burned; exec sleep 1000'
	for _ in $(seq 300); do
		as "$LC_A" logs lab 2>/dev/null | grep -q burned && break
		sleep 0.1
	done
	run -0 as "$LC_A" ps
	echo "$output"
	local cpu mem
	cpu=$(awk '$1 == "lab" {print $(NF - 1)}' <<<"$output")
	mem=$(awk '$1 == "lab" {print $NF}' <<<"$output")
	[[ $cpu =~ ^[0-9]+\.[0-9][0-9]s$ ]]
	awk -v c="${cpu%s}" 'BEGIN { exit !(c >= 0.05) }'
	[[ $mem =~ ^[0-9.]+(B|KiB|MiB)$ ]]
	run -0 as "$LC_A" ps --format json
	echo "$output"
	cpu=$(sed -nE 's/.*"CPUSeconds":([0-9.]+).*/\1/p' <<<"$output")
	[ -n "$cpu" ]
	awk -v c="$cpu" 'BEGIN { exit !(c >= 0.05) }'
	[[ "$output" =~ \"MemUsage\":[1-9][0-9]* ]]
}

@test "a default name is readable, unique and a valid hostname" {
	run -0 as "$LC_A" run -d busybox sh -c "$LC_LOOP"
	n1=$output
	[[ "$n1" =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]]
	[[ "$n1" == "$LC_A"-* ]]
	run -0 as "$LC_A" run -d busybox sh -c "$LC_LOOP"
	[ "$output" != "$n1" ]
	run -0 as "$LC_A" ps -q
	[ "$(echo "$output" | wc -l)" = 2 ]
}

@test "a name is unique per user; two users may both have it" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run -125 as "$LC_A" run -d --name lab busybox true
	[[ "$output" == *"the name lab is already in use"* ]]
	run -0 as "$LC_B" run -d --name lab busybox sh -c 'echo B-only-output; while :; do sleep 1; done'
	[ "$output" = lab ]
	run -0 as "$LC_A" ps -q
	[ "$output" = lab ]
}

@test "two users with the same name: neither sees, stops, kills, waits on, reads or removes the other's" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c 'echo A-secret; while :; do sleep 1; done'
	ctl_wait_for grep -q A-secret "$(log_file "$LC_A" lab)"
	# B has no lab: every command says so and nothing of A's moves.
	run -0 as "$LC_B" ps -a
	[[ "$output" != *lab* ]]
	for cmd in "stop lab" "kill lab" "wait lab" "rm -f lab" "logs lab"; do
		# shellcheck disable=SC2086
		run -125 as "$LC_B" $cmd
		[[ "$output" == *"no such container: lab"* ]]
	done
	# Then B's own lab: B's commands reach B's, never A's.
	run -0 as "$LC_B" run -d --name lab busybox sh -c 'echo B-output; while :; do sleep 1; done'
	ctl_wait_for grep -q B-output "$(log_file "$LC_B" lab)"
	run -0 as "$LC_B" logs lab
	[[ "$output" == *B-output* ]]
	[[ "$output" != *A-secret* ]]
	run -0 as "$LC_B" stop lab
	run -0 as "$LC_A" ps
	[[ "$output" == *"lab "*"Up "* ]]
	# The flags for root are refused to users.
	run -125 as "$LC_B" stop --user "$LC_A" lab
	[[ "$output" == *"are for root"* ]]
	run -0 as "$LC_A" ps
	[[ "$output" == *"lab "*"Up "* ]]
}

@test "root: ps --all-users with a USER column, stop --user" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run -0 "$CTL_BIN" ps --all-users
	[[ "$output" == USER*NAME* ]]
	[[ "$output" == *"$LC_A"*lab*"Up "* ]]
	run -125 "$CTL_BIN" ps
	[[ "$output" == *"--all-users"* ]]
	run -0 "$CTL_BIN" stop --user "$LC_A" lab
	run -0 as "$LC_A" ps -a
	[[ "$output" == *"lab "*Exited* ]]
}

@test "--help names every command and long option of ctr-launch(1)'s synopsis" {
	run -0 "$CTL_BIN" --help
	local syn w
	syn=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$CTL_SRC/man/ctr-launch.1")
	for w in $(sed -n 's/^\.Cm //p' <<<"$syn" | tr ' |' '\n\n' | grep -E '^[a-z]+$'); do
		[[ "$output" == *" $w "* ]] || { echo "--help lacks the command $w" >&2; return 1; }
	done
	for w in $(grep -oE 'Fl -[a-z-]+' <<<"$syn" | cut -d' ' -f2); do
		[[ "$output" == *"-$w"* ]] || { echo "--help lacks the option -$w" >&2; return 1; }
	done
}

@test "every command takes --help (and -h but run's, which is --hostname): the usage on stdout, exit 0" {
	local c usage
	usage=$("$CTL_BIN" --help)
	for c in ps logs exec attach port stop kill rm wait images info version; do
		run -0 --separate-stderr ctl_as "$LC_A" "$CTL_BIN" $c --help
		[ "$output" = "$usage" ] || { echo "$c --help: $output" >&2; return 1; }
		[ -z "$stderr" ] || { echo "$c --help: $stderr" >&2; return 1; }
		run -0 --separate-stderr ctl_as "$LC_A" "$CTL_BIN" $c -h
		[ "$output" = "$usage" ] || { echo "$c -h: $output" >&2; return 1; }
	done
	# Whatever follows: no name, a bad one, an unknown option.
	run -0 ctl_as "$LC_A" "$CTL_BIN" stop --help ../x --nope
	[ "$output" = "$usage" ]
	# After exec's NAME, --help is the command's (no such container).
	run -125 ctl_as "$LC_A" "$CTL_BIN" exec nosuch sh --help
	[[ "$output" == "ctr-launch: "*nosuch* ]]
	# run -h is --hostname, which wants a value.
	run -125 ctl_as "$LC_A" "$CTL_BIN" run -h
	[[ "$output" != *usage* ]]
}

# lc_aligned HEADER-COLUMN...: in $lines, every row's cell of each named
# column starts where the header's name does, after a space.
lc_aligned() {
	local h=${lines[0]} col off row
	for col in "$@"; do
		off=${h%%"$col"*}
		off=${#off}
		for row in "${lines[@]:1}"; do
			if [ "${row:$((off - 1)):1}" != " " ] || [ "${row:$off:1}" = " " ]; then
				echo "column $col (at $off) out of line: $row" >&2
				return 1
			fi
		done
	done
}

@test "ps: the columns stay in line whatever the widths of names and times (docker's layout)" {
	local long=a-lab-with-a-name-longer-than-its-column
	run -0 as "$LC_A" run -d --name "$long" busybox sh -c "$LC_LOOP"
	run -0 as "$LC_A" run -d --name x busybox sh -c "$LC_LOOP"
	run -0 as "$LC_A" ps
	[ "${#lines[@]}" = 3 ]
	printf '%s\n' "${lines[@]:1}" | grep -q "^$long "
	lc_aligned IMAGE COMMAND CREATED STATUS CPU MEMORY
	run -0 "$CTL_BIN" ps --all-users
	[[ "$output" == *"$LC_A"*"$long"* ]]
	lc_aligned NAME IMAGE COMMAND CREATED STATUS CPU MEMORY
}

# A command of the user's that never ends (stopped, its output never
# read) holds their directory's lock: root's commands for that user wait
# 5 s at most, then skip them with the reason (125), and still serve the
# others.  The lock is held here by flock(1) on the user's directory.
@test "root: a user's lock held by a command that does not end delays root's ps and stop 5 s at most" {
	local d holder
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run -0 as "$LC_B" run -d --name lab busybox sh -c "$LC_LOOP"
	d=$CTL_ROOT/run/ctr-launch/c/u$(uid_of "$LC_A")
	[ -d "$d" ]
	flock -x -o "$d" sleep 60 &
	holder=$!
	ctl_wait_for bash -c "! flock -x -n '$d' true"
	SECONDS=0
	run -125 timeout 30 "$CTL_BIN" ps --all-users
	[ "$SECONDS" -le 15 ]
	[[ "$output" == *"ps: $LC_A's containers are held by a command of theirs that does not end (5 s): skipped"* ]]
	[[ "$output" == *"$LC_B"*lab*"Up "* ]]
	[[ "$output" != *"$LC_A "*lab* ]]
	run -125 timeout 30 "$CTL_BIN" stop --user "$LC_A" lab
	[[ "$output" == *"$LC_A's containers are held"* ]]
	# Their own ps waits for their own lock.
	run -124 timeout 3 setpriv --reuid="$LC_A" --regid="$(id -g "$LC_A")" \
	    --init-groups -- "$CTL_BIN" ps
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	run -0 "$CTL_BIN" stop --user "$LC_A" lab
	run -0 "$CTL_BIN" stop --user "$LC_B" lab
}

@test "kill -s sends the signal; wait prints the status" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c 'trap "exit 7" USR1; while :; do sleep 1; done'
	run -0 as "$LC_A" kill -s USR1 lab
	run -0 as "$LC_A" wait lab
	[ "$output" = 7 ]
	run -125 as "$LC_A" kill lab
	[[ "$output" == *"not running"* ]]
	run -125 as "$LC_A" kill -s NOSUCH lab
	[[ "$output" == *"not a signal"* ]]
}

@test "rm of a running container needs -f" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run -125 as "$LC_A" rm lab
	[[ "$output" == *"is running"* ]]
	run -0 as "$LC_A" rm -f lab
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
}

@test "run -d fails as a foreground run does when its command cannot run: 127, 126, the working directory; one line, no name, nothing left" {
	run -127 as "$LC_A" run -d --name bad busybox nonexist
	[ "$output" = "ctr-launch: nonexist: command not found" ]
	run -126 as "$LC_A" run -d --name bad busybox /etc/passwd
	[ "$output" = "ctr-launch: /etc/passwd: Permission denied" ]
	run -127 as "$LC_A" run -d -t --name bad busybox nonexist
	[[ "$output" == *"nonexist: command not found"* ]]
	run -125 as "$LC_A" run -d -w /nonexistent --name bad busybox true
	[[ "$output" == *"cannot make the working directory /nonexistent: Read-only file system"* ]]
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
	[ ! -e "$(state_dir "$LC_A" bad)" ]
	[ ! -e "$(log_file "$LC_A" bad)" ]
	no_cgroup "$LC_A" bad
	# The name is free; a command that runs prints it and exits 0.
	run -0 as "$LC_A" run -d --rm --name bad busybox true
	[ "$output" = bad ]
}

@test "run -d --rm: the record goes when the container ends" {
	run -0 as "$LC_A" run -d --rm --name lab busybox sh -c 'sleep 1; exit 3'
	ctl_wait_for bash -c "[ ! -e '$(state_dir "$LC_A" lab)' ]"
	[ ! -e "$(log_file "$LC_A" lab)" ]
}

@test "logs -f follows until the container ends; --tail N" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c 'for i in 1 2 3 4 5; do echo line $i; sleep 1; done'
	run -0 as "$LC_A" logs -f lab
	[ "$(echo "$output" | tr '\n' ' ')" = "line 1 line 2 line 3 line 4 line 5 " ]
	run -0 as "$LC_A" logs --tail 2 lab
	[ "$(echo "$output" | tr '\n' ' ')" = "line 4 line 5 " ]
	run -0 as "$LC_A" wait lab
	[ "$output" = 0 ]
}

now_ns() { date -u +%s%N; }

# stamped T0 T1 LINE...: each LINE starts with an RFC3339Nano UTC time
# (nine digits, Z) and a space, times never go back and lie within
# [T0, T1] (nanoseconds); the lines' texts, unstamped, go to $texts and
# their times to $times.
stamped() {
	local t0=$1 t1=$2 prev=0 l ns
	shift 2
	texts=() times=()
	for l in "$@"; do
		[[ "$l" =~ ^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\.([0-9]{9})Z\ (.*)$ ]] ||
		    { echo "not stamped: $l" >&2; return 1; }
		ns=$(( $(date -u -d "${BASH_REMATCH[1]}Z" +%s) * 1000000000 + 10#${BASH_REMATCH[2]} ))
		[ "$ns" -ge "$prev" ] && [ "$ns" -ge "$t0" ] && [ "$ns" -le "$t1" ] ||
		    { echo "time out of order or range: $l" >&2; return 1; }
		prev=$ns
		texts+=("${BASH_REMATCH[3]}") times+=("$ns")
	done
}

idx_file() { echo "$CTL_ROOT/var/ctr-launch/logs/u$(uid_of "$1")/$2.idx"; }

@test "logs -t: every line stamped (RFC3339Nano, UTC), in order, within the run; --tail N -t; the log stays raw" {
	t0=$(now_ns)
	run -0 as "$LC_A" run -d --name lab busybox sh -c 'echo "line 1"; sleep 1; echo "line 2"; echo "2000-01-01T00:00:00.000000000Z forged"; sleep 1; printf "no newline"'
	run -0 as "$LC_A" wait lab
	t1=$(now_ns)
	run -0 as "$LC_A" logs -t lab
	[ "${#lines[@]}" = 4 ]
	stamped "$t0" "$t1" "${lines[@]}"
	[ "${texts[0]}" = "line 1" ]
	[ "${texts[1]}" = "line 2" ]
	# A line cannot forge a time: the real one comes first.
	[ "${texts[2]}" = "2000-01-01T00:00:00.000000000Z forged" ]
	[ "${texts[3]}" = "no newline" ]
	# Lines a second apart have different times.
	[ "${times[1]}" -gt "${times[0]}" ]
	[ "${times[3]}" -gt "${times[2]}" ]
	full=("${lines[@]}")
	run -0 as "$LC_A" logs --tail 2 --timestamps lab
	[ "${#lines[@]}" = 2 ]
	[ "${lines[0]}" = "${full[2]}" ]
	[ "${lines[1]}" = "${full[3]}" ]
	# Without -t: the container's bytes, as the log file holds them.
	run -0 as "$LC_A" logs lab
	[ "$output" = "$(cat "$(log_file "$LC_A" lab)")" ]
	[[ "$output" != *"Z line 1"* ]]
	# The index: root's, 0600, whole records.
	[ "$(stat -c '%U %a' "$(idx_file "$LC_A" lab)")" = "root 600" ]
	[ $(( $(stat -c %s "$(idx_file "$LC_A" lab)") % 16 )) = 0 ]
	# A time without a zone is local time, as Docker reads it.
	run -0 as "$LC_A" logs -t --since 2026-12-04T18:40 lab
	[ "${lines[*]}" = "${full[*]}" ]
}

@test "logs -f -t: followed lines are stamped too" {
	t0=$(now_ns)
	run -0 as "$LC_A" run -d --name lab busybox sh -c 'echo before; sleep 2; echo after-1; sleep 1; echo after-2'
	ctl_wait_for grep -q before "$(log_file "$LC_A" lab)"
	run -0 as "$LC_A" logs -f -t lab
	t1=$(now_ns)
	[ "${#lines[@]}" = 3 ]
	stamped "$t0" "$t1" "${lines[@]}"
	[ "${texts[*]}" = "before after-1 after-2" ]
	run -0 as "$LC_A" logs -f -t --tail 1 lab
	stamped "$t0" "$t1" "${lines[@]}"
	[ "${texts[*]}" = "after-2" ]
}

@test "logs --since and --until select lines by their time" {
	t0=$(now_ns)
	run -0 as "$LC_A" run -d --name lab busybox sh -c 'echo early; sleep 2; echo late'
	run -0 as "$LC_A" wait lab
	run -0 as "$LC_A" logs -t lab
	stamped "$t0" "$(now_ns)" "${lines[@]}"
	early=${lines[0]%% *} late=${lines[1]%% *}
	run -0 as "$LC_A" logs --since "$late" lab
	[ "$output" = late ]
	run -0 as "$LC_A" logs --until "$early" lab
	[ "$output" = early ]
	run -0 as "$LC_A" logs -t --since 1h --until "$late" lab
	[ "$output" = "$early early
$late late" ]
	# A time in the future, as Unix seconds and as a negative duration.
	run -0 as "$LC_A" logs --since "$(( $(date +%s) + 3600 ))" lab
	[ -z "$output" ]
	run -0 as "$LC_A" logs --since -1h lab
	[ -z "$output" ]
	run -125 as "$LC_A" logs --until soon lab
	[[ "$output" == *"--until soon"* ]]
	# A time without a zone is the caller's local time, in their TZ (here
	# nine hours east of UTC): read in UTC, the same clock time is nine
	# hours on, and nothing was written since.
	when=$(TZ=Asia/Tokyo date -d "@$((t0 / 1000000000 - 60))" +%FT%T)
	run -0 ctl_as "$LC_A" env TZ=Asia/Tokyo "$CTL_BIN" logs --since "$when" lab
	[ "$output" = $'early\nlate' ]
	run -0 ctl_as "$LC_A" env TZ=UTC "$CTL_BIN" logs --since "$when" lab
	[ -z "$output" ]
	run -0 ctl_as "$LC_A" env TZ=Asia/Tokyo "$CTL_BIN" logs --until "$when" lab
	[ -z "$output" ]
	# A date alone: its midnight.
	run -0 as "$LC_A" logs --until "$(date -d yesterday +%F)" lab
	[ -z "$output" ]
	run -0 as "$LC_A" logs --since "$(date -d yesterday +%F)" lab
	[ "$output" = $'early\nlate' ]
}

@test "the log index: trimmed with the log to its cap, kept lines keep their times; rm removes it" {
	lc_policy "log_size = 8K"
	t0=$(now_ns)
	# Lines a few milliseconds apart: a record each, until the index is
	# full (8K: 64 records) and keeps its newest half.
	run -0 as "$LC_A" run -d --name lab busybox sh -c 'i=0; while [ $i -lt 400 ]; do echo "line $i"; usleep 3000; i=$((i+1)); done; echo LAST'
	run -0 as "$LC_A" wait lab
	t1=$(now_ns)
	log=$(log_file "$LC_A" lab) idx=$(idx_file "$LC_A" lab)
	[ $(( $(stat -c %s "$log") + $(stat -c %s "$idx") )) -le 8192 ]
	[ "$(stat -c %s "$idx")" -le 1024 ]
	[ "$(stat -c '%U %a' "$idx")" = "root 600" ]
	run -0 as "$LC_A" logs -t lab
	stamped "$t0" "$t1" "${lines[@]}"
	[ "${texts[-1]}" = LAST ]
	[ "${#lines[@]}" = "$(as "$LC_A" logs lab | wc -l)" ]
	[[ "$output" != *"Z line 0
"* ]]
	# An index out of order (a trim under a reader) ends where it breaks:
	# the rest has the last good time, nothing loops or fails.
	python3 -c 'import struct, sys, time
t = int(time.time() * 1e9)
recs = [(0, t), (20, t + 5), (10, t + 9), (30, t - 7)]
open(sys.argv[1], "wb").write(b"".join(struct.pack("<Qq", o, v) for o, v in recs))' "$idx"
	run -0 as "$LC_A" logs -t lab
	stamped "$t0" "$(( $(now_ns) + 1000000000 ))" "${lines[@]}"
	[ "${texts[-1]}" = LAST ]
	# An index emptied (its writes failed): no times rather than wrong ones.
	: >"$idx"
	run -125 as "$LC_A" logs -t lab
	[[ "$output" == *"no timestamps"* ]]
	run -0 as "$LC_A" logs lab
	# A chatty burst: trimmed by the log's cap.
	run -0 as "$LC_A" rm lab
	[ ! -e "$log" ]
	[ ! -e "$idx" ]
	run -0 as "$LC_A" run -d --name lab busybox sh -c 'i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done; echo LAST'
	run -0 as "$LC_A" wait lab
	run -0 as "$LC_A" logs -t lab
	stamped "$t0" "$(now_ns)" "${lines[@]}"
	[ "${texts[-1]}" = LAST ]
	# --rm takes the index with the log.
	run -0 as "$LC_A" run -d --rm --name gone busybox sh -c 'echo x; sleep 1'
	ctl_wait_for test -e "$(idx_file "$LC_A" gone)"
	ctl_wait_for bash -c "[ ! -e '$(state_dir "$LC_A" gone)' ]"
	[ ! -e "$(idx_file "$LC_A" gone)" ]
	[ ! -e "$(log_file "$LC_A" gone)" ]
}

@test "the user's last container removed: no empty u<uid> directory is left" {
	cdir="$CTL_ROOT/run/ctr-launch/c/u$(uid_of "$LC_A")"
	ldir="$CTL_ROOT/var/ctr-launch/logs/u$(uid_of "$LC_A")"
	run -0 as "$LC_A" run -d --name one busybox sh -c "$LC_LOOP"
	run -0 as "$LC_A" run -d --name two busybox true
	run -0 as "$LC_A" wait two
	run -0 as "$LC_A" rm two
	[ -d "$cdir" ] && [ -d "$ldir" ]
	run -0 as "$LC_A" rm -f one
	[ ! -e "$cdir" ]
	[ ! -e "$ldir" ]
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
	# --rm: the keeper's own removal.
	run -0 as "$LC_A" run -d --rm --name three busybox true
	ctl_wait_for bash -c "[ ! -e '$cdir' ]"
	[ ! -e "$ldir" ]
	# Pruned by keep_exited: the same.
	lc_policy "keep_exited = 0"
	run -0 as "$LC_A" run -d --name four busybox true
	run -0 as "$LC_A" wait four
	sleep 1.1
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
	[ ! -e "$cdir" ]
	[ ! -e "$ldir" ]
	# Another user's directories are theirs.
	run -0 as "$LC_B" run -d --name lab busybox sh -c "$LC_LOOP"
	[ -d "$CTL_ROOT/run/ctr-launch/c/u$(uid_of "$LC_B")" ]
}

@test "run -d racing rm of the user's last container never fails a launch" {
	cdir="$CTL_ROOT/run/ctr-launch/c/u$(uid_of "$LC_A")"
	fails="$BATS_TEST_TMPDIR/fails" done="$BATS_TEST_TMPDIR/done"
	: >"$fails"
	rm -f "$done"
	# Launches and removals of the user's only container, while ps (which
	# removes the emptied directories too) runs in a loop.
	racer() {
		local i
		for i in $(seq 1 20); do
			as "$LC_A" run -d --name "$1$i" busybox true >/dev/null 2>>"$fails" ||
			    echo "run -d $1$i failed" >>"$fails"
			as "$LC_A" rm -f "$1$i" >/dev/null 2>>"$fails" ||
			    echo "rm $1$i failed" >>"$fails"
		done
	}
	pser() {
		while [ ! -e "$done" ]; do
			as "$LC_A" ps -a -q >/dev/null 2>>"$fails" ||
			    echo "ps failed" >>"$fails"
		done
	}
	pser &
	p0=$!
	racer x &
	p1=$!
	racer y &
	p2=$!
	wait "$p1"
	wait "$p2"
	touch "$done"
	wait "$p0"
	cat "$fails"
	[ ! -s "$fails" ]
	[ ! -e "$cdir" ]
	[ ! -e "$CTL_ROOT/var/ctr-launch/logs/u$(uid_of "$LC_A")" ]
}

@test "a setup failure of run -d exits 125 with the reason and frees the name" {
	run -125 as "$LC_A" run -d --name lab -v "/home/$LC_A/missing:/x" busybox true
	[[ "$output" == *missing* ]]
	[ ! -e "$(state_dir "$LC_A" lab)" ]
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
}

@test "allow_detach = no refuses run -d with the reason" {
	lc_policy "allow_detach = no"
	run -125 as "$LC_A" run -d --name lab busybox true
	[[ "$output" == *"allow_detach = no"* ]]
	[ ! -e "$(state_dir "$LC_A" lab)" ]
	# The foreground is unaffected.
	run -0 as "$LC_A" run --rm busybox true
}

@test "detached containers count against max_containers" {
	lc_policy "[user:$LC_A]
max_containers = 1"
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run -125 as "$LC_A" run -d --name lab2 busybox true
	[[ "$output" == *max_containers* ]]
	run -125 as "$LC_A" run --rm busybox true
	[[ "$output" == *max_containers* ]]
	[ ! -e "$(state_dir "$LC_A" lab2)" ]
}

@test "the log is capped by log_size, newest bytes kept" {
	lc_policy "log_size = 8K"
	run -0 as "$LC_A" run -d --name lab busybox sh -c 'i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done; echo LAST'
	run -0 as "$LC_A" wait lab
	size=$(stat -c %s "$(log_file "$LC_A" lab)")
	[ "$size" -le 8192 ]
	run -0 as "$LC_A" logs lab
	[ "${lines[-1]}" = LAST ]
	[[ "$output" != *"line 1
"* ]]
}

@test "the keeper killed: its container dies, ps -a shows Exited (unknown), rm cleans" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	kpid=$(sed -n 's/^keeper=//p' "$(state_dir "$LC_A" lab)/info")
	kill -0 "$kpid"
	# The container's processes, children of the keeper's init.
	init=$(pgrep -P "$kpid" | head -1)
	[ -n "$init" ]
	kill -KILL "$kpid"
	ctl_wait_for bash -c "! kill -0 $init 2>/dev/null"
	run -0 as "$LC_A" ps -a
	[[ "$output" == *"lab "*"Exited (unknown)"* ]]
	[ ! -e "$(state_dir "$LC_A" lab)/ctl" ]
	run -0 as "$LC_A" wait lab
	[ "$output" = -1 ]
	run -0 as "$LC_A" rm lab
	[ ! -e "$(state_dir "$LC_A" lab)" ]
	# The next launch sweeps its stale cgroup.
	run -0 as "$LC_A" run --rm busybox true
	no_cgroup "$LC_A" lab
}

@test "a SIGTERM to a keeper stops its container as stop does: the command's status is kept, nothing is left" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	kpid=$(sed -n 's/^keeper=//p' "$(state_dir "$LC_A" lab)/info")
	kill -TERM "$kpid"
	run -0 as "$LC_A" wait lab
	[ "$output" = 143 ]
	ctl_wait_for bash -c "! kill -0 $kpid 2>/dev/null"
	run -0 as "$LC_A" ps -a
	[[ "$output" == *"lab "*"Exited (143)"* ]]
	run -0 as "$LC_A" rm lab
	no_cgroup "$LC_A" lab
}

# lc_ask SOCKET VERSION OP ARG [PAD [SENT]]: one request to a keeper, as
# root, in ctl protocol VERSION (PAD bytes more: a longer request; SENT,
# a file made once it is sent); prints the answer's version, err and
# status.
lc_ask() {
	python3 - "$@" <<'PY'
import socket, struct, sys
path, version, op, arg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pad = int(sys.argv[5]) if len(sys.argv) > 5 else 0
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(20)
s.connect(path)
s.send(struct.pack("<IIIi", 0x4b4c5443, version, op, arg) + b"\0" * pad)
if len(sys.argv) > 6:
    open(sys.argv[6], "w").close()
r = s.recv(4096)
magic, v, o, err, status = struct.unpack("<IIIii", r[:20])
print(v, err, status)
PY
}

@test "upgrades: stop, kill and wait of another protocol version reach a keeper; any other request is answered with the version, exec too" {
	local ctl w sent=$BATS_TEST_TMPDIR/sent
	run -0 as "$LC_A" run -d --name lab busybox sh -c 'trap "echo got usr1" USR1; while :; do sleep 1; done'
	ctl=$(state_dir "$LC_A" lab)/ctl
	# STATUS (1) and EXEC (8, longer) of version 2: CTLP_EVERSION (1)
	# with the keeper's version.
	run -0 lc_ask "$ctl" 2 1 0
	[[ "$output" == "1 1 "* ]]
	run -0 lc_ask "$ctl" 2 8 0 64
	[[ "$output" == "1 1 "* ]]
	run -0 as "$LC_A" exec lab true
	# KILL (3) with SIGUSR1 (10) of version 2: served.
	run -0 lc_ask "$ctl" 2 3 10
	[[ "$output" == "1 0 "* ]]
	ctl_wait_for grep -q "got usr1" "$(log_file "$LC_A" lab)"
	# WAIT (4) of version 3, then STOP (2) of version 9 with one second
	# of grace: both served, answered at the end with the status.
	lc_ask "$ctl" 3 4 0 0 "$sent" >"$BATS_TEST_TMPDIR/wait.out" &
	w=$!
	ctl_wait_for test -e "$sent"
	run -0 lc_ask "$ctl" 9 2 1
	[ "$output" = "1 0 143" ]
	wait "$w"
	[ "$(cat "$BATS_TEST_TMPDIR/wait.out")" = "1 0 143" ]
}

@test "exited records beyond keep_exited and max_exited are pruned with their logs" {
	lc_policy "max_exited = 1"
	run -0 as "$LC_A" run -d --name one busybox true
	run -0 as "$LC_A" wait one
	sleep 1
	run -0 as "$LC_A" run -d --name two busybox true
	run -0 as "$LC_A" wait two
	run -0 as "$LC_A" ps -a -q
	[ "$output" = two ]
	[ ! -e "$(log_file "$LC_A" one)" ]
	lc_policy "keep_exited = 0"
	sleep 1.1
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
	[ ! -e "$(log_file "$LC_A" two)" ]
}

# keeper_gone USER NAME: NAME's keeper has exited (its teardown done).
keeper_gone() {
	local k
	k=$(sed -n 's/^keeper=//p' "$(state_dir "$1" "$2")/info" 2>/dev/null)
	[ -n "$k" ] && ! kill -0 "$k" 2>/dev/null
}

@test "run -d prunes ended records beyond max_exited, also for a user who never runs ps" {
	lc_policy "max_exited = 2"
	for n in c1 c2 c3 c4 c5 c6; do
		run -0 as "$LC_A" run -d --name "$n" busybox true
		run -0 as "$LC_A" wait "$n"
		ctl_wait_for keeper_gone "$LC_A" "$n"
	done
	# The last launch found five ended and kept two: with its own, three
	# records and their logs, where nothing used to remove any.
	run ls "$(dirname "$(state_dir "$LC_A" x)")"
	[ "${#lines[@]}" = 3 ]
	[ "${lines[*]}" = "c4 c5 c6" ]
	run ls "$(dirname "$(log_file "$LC_A" x)")"
	[ "${lines[*]}" = "c4.idx c4.log c5.idx c5.log c6.idx c6.log" ]
}

@test "user_log_size holds for containers started together: a living container's log counts at its whole log_size" {
	local d total=0 sz f
	lc_policy "log_size = 64K
user_log_size = 64K"
	# Four containers started before any writes: each used to be given
	# the whole remaining budget (the others' logs were still empty).
	for n in l1 l2 l3 l4; do
		run -0 as "$LC_A" run -d --name "$n" busybox sh -c \
		    'sleep 2; yes x | head -c 200000; sleep 100'
	done
	d=$(dirname "$(log_file "$LC_A" x)")
	ctl_wait_for bash -c "[ \$(stat -c %s $d/l1.log) -gt 16384 ] && [ \$(stat -c %s $d/l4.log) -gt 2048 ]"
	sleep 1
	for f in "$d"/*; do
		sz=$(stat -c %s "$f")
		total=$((total + sz))
	done
	# Within user_log_size, but for the 4 KiB each log has at least.
	[ "$total" -le $((64 * 1024 + 4 * 4096)) ]
}

@test "ps waits at most a few seconds for a keeper that does not answer: its use shows -, the other rows come" {
	local k
	run -0 as "$LC_A" run -d --name stuck busybox sleep 1000
	run -0 as "$LC_A" run -d --name fine busybox sleep 1000
	k=$(sed -n 's/^keeper=//p' "$(state_dir "$LC_A" stuck)/info")
	[ -n "$k" ]
	# A keeper that accepts (the kernel does) but never answers.
	kill -STOP "$k"
	run timeout 30 setpriv --reuid="$(uid_of "$LC_A")" --regid="$(id -g "$LC_A")" --init-groups -- "$CTL_BIN" ps
	kill -CONT "$k"
	[ "$status" = 0 ]
	[[ "$output" == *"stuck "*"Up "*" -  "*"-"* ]]
	[[ "$output" == *"fine "*"Up "*"iB"* ]]
	# root's listing of every user's too.
	kill -STOP "$k"
	run timeout 30 "$CTL_BIN" ps --all-users
	kill -CONT "$k"
	[ "$status" = 0 ]
	[[ "$output" == *"stuck"* ]]
	[[ "$output" == *"fine"* ]]
}

@test "a log whose record is gone (a reboot emptied RUNDIR) is swept by the next ps, the user's or root's" {
	local cdir ldir
	cdir="$CTL_ROOT/run/ctr-launch/c/u$(uid_of "$LC_A")"
	ldir="$CTL_ROOT/var/ctr-launch/logs/u$(uid_of "$LC_A")"
	# The record alone gone (a keeper killed between its removals).
	run -0 as "$LC_A" run -d --name lab busybox true
	run -0 as "$LC_A" wait lab
	[ -e "$(log_file "$LC_A" lab)" ]
	rm -rf "$(state_dir "$LC_A" lab)"
	run -0 as "$LC_A" ps -a
	[ ! -e "$(log_file "$LC_A" lab)" ]
	[ ! -e "$(idx_file "$LC_A" lab)" ]
	# What a reboot does to RUNDIR (a tmpfs): the user's directory goes
	# whole.  Their next ps sweeps the logs and leaves no directory.
	run -0 as "$LC_A" run -d --name lab2 busybox true
	run -0 as "$LC_A" wait lab2
	rm -rf "$cdir"
	[ -e "$(log_file "$LC_A" lab2)" ]
	run -0 as "$LC_A" ps -a
	[ ! -e "$(log_file "$LC_A" lab2)" ]
	[ ! -e "$ldir" ]
	[ ! -e "$cdir" ]
	# A user who never comes back: root's ps --all-users sweeps their
	# logs, and never a log whose record is there (B's running one).
	run -0 as "$LC_A" run -d --name gone busybox true
	run -0 as "$LC_A" wait gone
	run -0 as "$LC_B" run -d --name up busybox sh -c "$LC_LOOP"
	rm -rf "$cdir"
	run -0 "$CTL_BIN" ps -a -q --all-users
	grep -qx up <<<"$output"
	[ ! -e "$(log_file "$LC_A" gone)" ]
	[ ! -e "$ldir" ]
	[ ! -e "$cdir" ]
	[ -e "$(log_file "$LC_B" up)" ]
	run -0 as "$LC_B" rm -f up
}

@test "the policy keys: ctr-policy explain shows them, check refuses bad values" {
	lc_policy "allow_exec = no
log_size = 1M
keep_exited = 2h"
	run -0 "$CTL_POLICYTOOL" explain "$LC_A"
	[[ "$output" == *"allow_detach"*yes* ]]
	[[ "$output" == *"allow_exec"*no* ]]
	[[ "$output" == *"log_size"*1M* ]]
	[[ "$output" == *"keep_exited"*7200* ]]
	[[ "$output" == *"max_exited"*20* ]]
	lc_policy "keep_exited = soon"
	run -1 "$CTL_POLICYTOOL" check
	[[ "$output" == *"keep_exited"* ]]
	run -125 as "$LC_A" run --rm busybox true
	[[ "$output" == *"ctr-policy check"* ]]
}

@test "a denied user, or a broken policy, still lists, reads and ends their own containers; exec and attach are refused" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	run -0 as "$LC_A" run -d -t --name tty busybox sh -c "$LC_LOOP"
	run -0 as "$LC_A" run -d --name done busybox true
	run -0 as "$LC_A" wait done
	ctl_wait_for grep -q 'lab banner' "$(log_file "$LC_A" lab)"
	lc_policy "max_exited = 0
[user:$LC_A]
deny = yes"
	run -125 as "$LC_A" exec lab true
	[[ "$output" == *"denied"* ]]
	run -125 as "$LC_A" attach tty
	[[ "$output" == *"denied"* ]]
	run -125 as "$LC_A" run --rm busybox true
	[[ "$output" == *"denied"* ]]
	run -0 as "$LC_A" ps -a
	[[ "$output" == *"lab "*"Up "* ]]
	# Denied, the policy's max_exited = 0 does not apply: no pruning.
	[[ "$output" == *"done "*"Exited (0)"* ]]
	run -0 as "$LC_A" logs lab
	[[ "$output" == *"lab banner"* ]]
	run -0 as "$LC_A" stop -t 1 lab
	run -0 as "$LC_A" rm lab done
	# A policy that does not load at all (a direct edit's typo).
	lc_policy "cpus = 0"
	run -125 as "$LC_A" exec tty true
	[[ "$output" == *"ctr-policy check"* ]]
	run -0 as "$LC_A" ps -q
	[ "$output" = tty ]
	run -0 as "$LC_A" kill tty
	run -0 as "$LC_A" wait tty
	run -0 as "$LC_A" rm tty
	run -0 as "$LC_A" ps -a -q
	[ -z "$output" ]
	lc_policy
	no_cgroup "$LC_A" '*'
}

@test "a command of the user's holding their lock for ever never holds a root keeper with it" {
	run -0 as "$LC_A" run -d --name lab busybox sh -c "$LC_LOOP"
	local udir
	udir=$(dirname "$(state_dir "$LC_A" lab)")
	# What a SIGSTOPped `ps` of the user's does: their lock held.
	flock -F "$udir" sleep 60 >/dev/null 2>&1 3>&- &
	local holder=$! t0=$SECONDS
	sleep 0.5
	run timeout 40 setpriv --reuid="$(uid_of "$LC_A")" --regid="$(id -g "$LC_A")" \
	    --init-groups -- "$CTL_BIN" run -d --name stuck busybox true
	local took=$((SECONDS - t0))
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	echo "$output, $took s"
	[ "$status" = 125 ]
	[[ "$output" == *"held by another command of yours"* ]]
	[ "$took" -lt 30 ]
	# Nothing of it stays; the user's commands work again.
	! pgrep -f -- "--name stuck" || false
	run -0 as "$LC_A" ps -a -q
	[ "$output" = lab ]
	run -0 as "$LC_A" rm -f lab
}
