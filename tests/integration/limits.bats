#!/usr/bin/env bats
# Resource limits on the real cgroup v1 hierarchies of this host (memory,
# cpu, pids), as real users: placement, limits, OOM, fork bomb, CPU quota,
# the per-user and host-wide counts under concurrent launches, per-user
# totals, and no cgroup left behind however the container ends.

load lib

CG=/sys/fs/cgroup

setup_file() {
	export TAG
	TAG=$(ctl_tag)
	export LA=la$TAG LB=lb$TAG
	ctl_useradd "$LA"
	ctl_useradd "$LB"
	export UA UB
	UA=$(id -u "$LA")
	UB=$(id -u "$LB")
	ctl_image_busybox
}

teardown_file() {
	ctl_userdel "$LA"
	ctl_userdel "$LB"
	for c in memory cpu pids; do
		rmdir "$CG/$c/ctr-launch/u$UA" "$CG/$c/ctr-launch/u$UB" 2>/dev/null || true
	done
}

setup() {
	[ -d "$CG/pids" ] && [ -d "$CG/memory" ] && [ -d "$CG/cpu" ] ||
	    skip "no cgroup v1 memory, cpu and pids hierarchies"
	# Other launches on this host count against max_total_containers.
	ctl_policy <<-EOF
	[global]
	max_total_containers = 100000
	[default]
	images = busybox
	cpus = 0.5
	memory = 256M
	pids = 64
	max_containers = 3
	user_cpus = 1
	user_memory = 512M
	user_pids = 100
	EOF
}

teardown() {
	pkill -KILL -u "$LA" 2>/dev/null || true
	pkill -KILL -u "$LB" 2>/dev/null || true
	sleep 0.3
}

# leaf CTL UID NAME: a container's cgroup directory.
leaf() {
	echo "$CG/$1/ctr-launch/u$2/$3"
}

# bg USER NAME [OPTIONS] IMAGE CMD...: starts a container in the background.
bg() {
	local u=$1 n=$2
	shift 2
	ctl_as "$u" "$CTL_BIN" run --name "$n" "$@" >>"$BATS_TEST_TMPDIR/bg.log" 2>&1 &
}

# wait_procs DIR: until DIR/cgroup.procs lists a process (5 s at most).
wait_procs() {
	for _ in $(seq 100); do
		[ -n "$(cat "$1/cgroup.procs" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/bg.log" 2>/dev/null
	return 1
}

# wait_gone DIR...: until every DIR is removed (5 s at most).
wait_gone() {
	local d
	for _ in $(seq 100); do
		for d in "$@"; do [ -e "$d" ] && break; d=; done
		[ -z "$d" ] && return 0
		sleep 0.05
	done
	return 1
}

# front USER: the pid of the caller's own ctr-launch process (P0).
front() {
	pgrep -u "$1" -x ctr-launch | head -1
}

@test "limits: info shows the limits and totals" {
	run ctl_as "$LA" "$CTL_BIN" info
	[ "$status" -eq 0 ]
	[[ $output == *"cpus         0.500"* ]]
	[[ $output == *"memory       256M"* ]]
	[[ $output == *"pids         64"* ]]
	[[ $output == *"containers   3"* ]]
	[[ $output == *"user_cpus    1.000"* ]]
	[[ $output == *"user_memory  512M"* ]]
	[[ $output == *"user_pids    100"* ]]
	[[ $output == *"host_total   100000"* ]]
}

@test "limits: the container is placed and limited before it runs" {
	# Its own view: the root of its cgroup namespace.
	run ctl_as "$LA" "$CTL_BIN" run busybox grep -E ':(memory|cpu|pids):' /proc/self/cgroup
	[ "$status" -eq 0 ]
	[ "$output" = "8:pids:/
4:memory:/
1:cpu:/" ] || [ "$(echo "$output" | grep -cv ':/$')" = 0 ]
	bg "$LA" place busybox sleep 30
	wait_procs "$(leaf pids "$UA" place)"
	pid=$(head -1 "$(leaf pids "$UA" place)/cgroup.procs")
	for c in memory cpu pids; do
		grep -qx "[0-9]*:$c:/ctr-launch/u$UA/place" "/proc/$pid/cgroup"
		grep -qx "$pid" "$(leaf $c "$UA" place)/cgroup.procs"
	done
	[ "$(cat "$(leaf memory "$UA" place)/memory.limit_in_bytes")" = 268435456 ]
	if [ -e "$(leaf memory "$UA" place)/memory.memsw.limit_in_bytes" ]; then
		[ "$(cat "$(leaf memory "$UA" place)/memory.memsw.limit_in_bytes")" = 268435456 ]
	fi
	[ "$(cat "$(leaf cpu "$UA" place)/cpu.cfs_quota_us")" = 50000 ]
	[ "$(cat "$(leaf cpu "$UA" place)/cpu.cfs_period_us")" = 100000 ]
	[ "$(cat "$(leaf pids "$UA" place)/pids.max")" = 64 ]
	# The per-user totals on u<uid>.
	[ "$(cat "$CG/memory/ctr-launch/u$UA/memory.limit_in_bytes")" = 536870912 ]
	[ "$(cat "$CG/cpu/ctr-launch/u$UA/cpu.cfs_quota_us")" = 100000 ]
	[ "$(cat "$CG/pids/ctr-launch/u$UA/pids.max")" = 100 ]
}

@test "limits: inside, no cgroup file system to write and none to mount" {
	run ctl_as "$LA" "$CTL_BIN" run busybox sh -c 'ls -A /sys/fs/cgroup; mkdir /sys/fs/cgroup/x || echo no-mkdir; mount -t cgroup -o pids none /tmp || echo no-mount; for f in /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max; do [ -e $f ] && { echo 1 >$f || echo no-write; }; done'
	[ "$status" -eq 0 ]
	[[ $output == *no-mkdir* ]]
	[[ $output == *no-mount* ]]
	[[ $output == *no-write* ]]
}

@test "limits: the user cannot move the container out or raise its limits" {
	bg "$LA" esc busybox sleep 30
	d=$(leaf pids "$UA" esc)
	wait_procs "$d"
	pid=$(head -1 "$d/cgroup.procs")
	[ "$(stat -c %U "$d")" = root ]
	[ "$(stat -c %U "$d/pids.max")" = root ]
	[ "$(stat -c %U "$d/cgroup.procs")" = root ]
	run ctl_as "$LA" sh -c "echo max > $d/pids.max"
	[ "$status" -ne 0 ]
	run ctl_as "$LA" sh -c "echo $pid > $CG/pids/cgroup.procs"
	[ "$status" -ne 0 ]
	run ctl_as "$LA" sh -c "echo $pid > $CG/pids/ctr-launch/u$UA/cgroup.procs"
	[ "$status" -ne 0 ]
	run ctl_as "$LA" sh -c "echo max > $CG/pids/ctr-launch/u$UA/pids.max"
	[ "$status" -ne 0 ]
	run ctl_as "$LA" mkdir "$CG/pids/ctr-launch/u$UA/mine"
	[ "$status" -ne 0 ]
	grep -qx "$pid" "$d/cgroup.procs"
	[ "$(cat "$d/pids.max")" = 64 ]
}

@test "limits: --memory, --cpus, --pids-limit may ask for less, never more" {
	bg "$LA" less --memory 64M --cpus 0.25 --pids-limit 10 busybox sleep 30
	wait_procs "$(leaf pids "$UA" less)"
	[ "$(cat "$(leaf memory "$UA" less)/memory.limit_in_bytes")" = 67108864 ]
	[ "$(cat "$(leaf cpu "$UA" less)/cpu.cfs_quota_us")" = 25000 ]
	[ "$(cat "$(leaf pids "$UA" less)/pids.max")" = 10 ]
	run ctl_as "$LA" "$CTL_BIN" run --memory 1G busybox true
	[ "$status" -eq 125 ]
	[[ $output == *--memory*256M* ]]
	run ctl_as "$LA" "$CTL_BIN" run --cpus 2 busybox true
	[ "$status" -eq 125 ]
	[[ $output == *--cpus*0.500* ]]
	run ctl_as "$LA" "$CTL_BIN" run --pids-limit 65 busybox true
	[ "$status" -eq 125 ]
	[[ $output == *--pids-limit*64* ]]
}

@test "limits: under 0.01 CPU the period is 1 s, so the quota is exactly what was asked" {
	bg "$LA" tinycpu --cpus 0.005 busybox sleep 30
	wait_procs "$(leaf pids "$UA" tinycpu)"
	[ "$(cat "$(leaf cpu "$UA" tinycpu)/cpu.cfs_period_us")" = 1000000 ]
	[ "$(cat "$(leaf cpu "$UA" tinycpu)/cpu.cfs_quota_us")" = 5000 ]
}

@test "limits: a memory hog is OOM-killed inside its container, nothing else" {
	bg "$LA" sibling busybox sleep 30
	wait_procs "$(leaf pids "$UA" sibling)"
	sib=$(head -1 "$(leaf pids "$UA" sibling)/cgroup.procs")
	run timeout 60 env -u BATS_RUN_TMPDIR bash -c "$(declare -f ctl_as); ctl_as $LA $CTL_BIN run --name hog --memory 32M busybox sh -c 'x=aaaaaaaa; while :; do x=\$x\$x; done'"
	[ "$status" -eq 137 ]
	kill -0 "$sib"
	grep -qx "$sib" "$(leaf pids "$UA" sibling)/cgroup.procs"
	wait_gone "$(leaf memory "$UA" hog)" "$(leaf pids "$UA" hog)"
}

@test "limits: a memory limit too small for the container to start is said, not a silent 125; nothing is left" {
	run ctl_as "$LA" "$CTL_BIN" run --rm --name tiny --memory 100 busybox true
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "ctr-launch: the container was killed by SIGKILL before its command started (too little memory for it?)" ]]
	run ctl_as "$LA" "$CTL_BIN" run -d --name tinyd --memory 100 busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"killed by SIGKILL before its command started"* ]]
	run ctl_as "$LA" "$CTL_BIN" ps -a -q
	[ -z "$output" ]
	wait_gone "$(leaf memory "$UA" tiny)" "$(leaf memory "$UA" tinyd)"
}

@test "limits: a fork bomb stops at pids; killing ctr-launch ends it all" {
	bg "$LA" bomb --pids-limit 16 busybox sh -c 'b() { b | b & }; b; exec sleep 60'
	d=$(leaf pids "$UA" bomb)
	wait_procs "$d"
	# Until the kernel has refused a fork at the limit.
	for _ in $(seq 100); do
		[ "$(sed -n 's/^max //p' "$d/pids.events")" -gt 0 ] && break
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/bg.log" 2>/dev/null | sort | uniq -c
	[ "$(sed -n 's/^max //p' "$d/pids.events")" -gt 0 ]
	[ "$(cat "$d/pids.current")" -le 16 ]
	[ "$(cat "$d/pids.max")" = 16 ]
	# Other users are not affected.
	run ctl_as "$LB" "$CTL_BIN" run busybox echo fine
	[ "$output" = fine ]
	# SIGKILL of the caller's own ctr-launch: the keeper cleans up.
	kill -KILL "$(front "$LA")"
	wait_gone "$(leaf memory "$UA" bomb)" "$(leaf cpu "$UA" bomb)" "$d"
	[ -z "$(pgrep -u "$LA")" ] || { sleep 1; [ -z "$(pgrep -u "$LA")" ]; }
}

@test "limits: a CPU burner gets its quota" {
	bg "$LA" burn --cpus 0.2 busybox sh -c 'while :; do :; done'
	d=$(leaf cpu "$UA" burn)
	wait_procs "$d"
	sleep 3
	pid=$(pgrep -u "$LA" -x sh | head -1)
	# utime + stime in clock ticks, after ~3 s of wall time.
	ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	hz=$(getconf CLK_TCK)
	echo "cpu: $ticks ticks at $hz Hz; $(cat "$d/cpu.stat" | tr '\n' ' ')"
	[ "$ticks" -lt $((hz * 3 / 2)) ]
	[ "$(sed -n 's/^nr_throttled //p' "$d/cpu.stat")" -gt 0 ]
}

@test "limits: max_containers holds under concurrent launches" {
	local i ok=0 refused=0
	for i in 1 2 3 4 5 6 7; do
		(rc=0
		ctl_as "$LA" "$CTL_BIN" run --name c$i busybox sleep 4 \
		    >"$BATS_TEST_TMPDIR/out$i" 2>&1 || rc=$?
		echo $rc >"$BATS_TEST_TMPDIR/rc$i") &
	done
	wait
	for i in 1 2 3 4 5 6 7; do
		case $(cat "$BATS_TEST_TMPDIR/rc$i") in
		0) ok=$((ok + 1)) ;;
		125) grep -q "refused: $LA already runs 3 containers (max_containers = 3)" \
			"$BATS_TEST_TMPDIR/out$i" && refused=$((refused + 1)) ;;
		esac
	done
	echo "ok=$ok refused=$refused"
	[ "$ok" -eq 3 ]
	[ "$refused" -eq 4 ]
}

@test "limits: one user's limit does not count another's containers" {
	for i in 1 2 3; do bg "$LA" a$i busybox sleep 30; done
	for i in 1 2 3; do wait_procs "$(leaf pids "$UA" a$i)"; done
	run ctl_as "$LA" "$CTL_BIN" run busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"already runs 3 containers (max_containers = 3)"* ]]
	run ctl_as "$LB" "$CTL_BIN" run busybox echo mine
	[ "$status" -eq 0 ]
	[ "$output" = mine ]
}

# live_total: the live containers of the whole host (all test runs too).
live_total() {
	local n=0 d
	for d in "$CG"/pids/ctr-launch/u*/*/; do
		[ -n "$(cat "$d/cgroup.procs" 2>/dev/null)" ] && n=$((n + 1))
	done
	echo $n
}

@test "limits: max_total_containers holds across users" {
	local attempt n0 n1
	# Other launches on this host count too: retry while they change.
	for attempt in 1 2 3; do
		n0=$(live_total)
		ctl_policy <<-EOF
		[global]
		max_total_containers = $((n0 + 2))
		[default]
		images = busybox
		EOF
		bg "$LA" t1 busybox sleep 30
		bg "$LB" t2 busybox sleep 30
		wait_procs "$(leaf pids "$UA" t1)" || true
		wait_procs "$(leaf pids "$UB" t2)" || true
		run ctl_as "$LA" "$CTL_BIN" run busybox true
		n1=$(live_total)
		if [ "$n1" -eq $((n0 + 2)) ]; then
			[ "$status" -eq 125 ]
			[[ $output == *"refused: the host already runs $n1 containers (max_total_containers = $((n0 + 2)))"* ]]
			return 0
		fi
		pkill -KILL -u "$LA" || true
		pkill -KILL -u "$LB" || true
		wait_gone "$(leaf pids "$UA" t1)" "$(leaf pids "$UB" t2)"
	done
	skip "other launches on this host kept changing the count"
}

# mine: live containers of the two test users.
mine() {
	local n=0 d
	for d in "$CG/pids/ctr-launch/u$UA"/*/ "$CG/pids/ctr-launch/u$UB"/*/; do
		[ -n "$(cat "$d/cgroup.procs" 2>/dev/null)" ] && n=$((n + 1))
	done
	echo $n
}

@test "limits: two users racing for the host's last slot: one wins" {
	local attempt n0 i u d
	for attempt in 1 2 3; do
		n0=$(live_total)
		ctl_policy <<-EOF
		[global]
		max_total_containers = $((n0 + 1))
		[default]
		images = busybox
		EOF
		d=$BATS_TEST_TMPDIR/race$attempt
		mkdir -p "$d"
		for i in 1 2 3; do
			for u in "$LA" "$LB"; do
				(rc=0
				ctl_as "$u" "$CTL_BIN" run --name r$i busybox \
				    sleep 30 >/dev/null 2>&1 || rc=$?
				echo $rc >"$d/$u.$i") &
			done
		done
		# The five losers are refused; wait for their verdicts.
		for i in $(seq 1 300); do
			[ "$(ls "$d" | wc -l)" -ge 5 ] && break
			sleep 0.1
		done
		if [ $(($(live_total) - $(mine))) -eq "$n0" ]; then
			[ "$(mine)" -eq 1 ]
			[ "$(cat "$d"/* | grep -c '^125$')" -eq 5 ]
			pkill -KILL -u "$LA" || true
			pkill -KILL -u "$LB" || true
			return 0
		fi
		pkill -KILL -u "$LA" || true
		pkill -KILL -u "$LB" || true
		sleep 1
	done
	skip "other launches on this host kept changing the count"
}

@test "limits: the per-user totals hold across a user's containers" {
	ctl_policy <<-EOF
	[default]
	images = busybox
	pids = 15
	user_pids = 20
	EOF
	# 14 pids: init, sh and 12 sleeps, within the container's 15.
	bg "$LA" p1 busybox sh -c 'i=0; while [ $i -lt 12 ]; do sleep 30 & i=$((i+1)); done; wait'
	d=$(leaf pids "$UA" p1)
	wait_procs "$d"
	for _ in $(seq 100); do [ "$(cat "$d/pids.current")" -ge 14 ] && break; sleep 0.05; done
	[ "$(cat "$d/pids.current")" -eq 14 ]
	[ "$(cat "$CG/pids/ctr-launch/u$UA/pids.max")" = 20 ]
	# A second one within its own 15 runs out at the user's 20.
	run ctl_as "$LA" "$CTL_BIN" run busybox sh -c 'i=0; while [ $i -lt 12 ]; do sleep 30 & i=$((i+1)); done; echo spawned'
	[ "$status" -ne 0 ]
	[[ $output == *"can't fork"* ]]
	[[ $output != *spawned* ]]
	[ "$(cat "$d/pids.current")" -eq 14 ]
	[ "$(cat "$CG/pids/ctr-launch/u$UA/pids.current")" -le 20 ]
}

@test "limits: no cgroup left after a normal exit or a killed container init" {
	run ctl_as "$LA" "$CTL_BIN" run --name normal busybox true
	[ "$status" -eq 0 ]
	# The keeper removes the cgroup right after the caller has the status.
	wait_gone "$(leaf memory "$UA" normal)" "$(leaf cpu "$UA" normal)" "$(leaf pids "$UA" normal)"
	bg "$LA" killed busybox sleep 30
	wait_procs "$(leaf pids "$UA" killed)"
	# The container's init is the parent of its payload (once it runs).
	for _ in $(seq 100); do pgrep -u "$LA" -x sleep >/dev/null && break; sleep 0.05; done
	pid=$(pgrep -u "$LA" -x sleep | head -1)
	init=$(awk '/^PPid/ {print $2}' "/proc/$pid/status")
	kill -KILL "$init"
	wait_gone "$(leaf memory "$UA" killed)" "$(leaf cpu "$UA" killed)" "$(leaf pids "$UA" killed)"
}

@test "limits: the user's last container removes ctr-launch/u<uid>, not before" {
	bg "$LA" keep busybox sleep 30
	wait_procs "$(leaf pids "$UA" keep)"
	run ctl_as "$LA" "$CTL_BIN" run --name short busybox true
	[ "$status" -eq 0 ]
	# Another container of the user still runs: u<uid> and totals stay.
	[ "$(cat "$CG/pids/ctr-launch/u$UA/pids.max")" = 100 ]
	kill -TERM "$(front "$LA")"
	wait_gone "$CG/memory/ctr-launch/u$UA" "$CG/cpu/ctr-launch/u$UA" "$CG/pids/ctr-launch/u$UA"
	[ -d "$CG/pids/ctr-launch" ]
	# The next launch recreates it, with the totals.
	run ctl_as "$LA" "$CTL_BIN" run busybox cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	# Removed again by that launch's teardown, after its status.
	wait_gone "$CG/pids/ctr-launch/u$UA"
}

@test "limits: the caller's stale directories go at their next launch, in every hierarchy, a live one stays" {
	bg "$LA" keep busybox sleep 30
	wait_procs "$(leaf pids "$UA" keep)"
	# Stale in all three hierarchies; and left in memory or cpu only (a
	# launch that failed between its mkdirs), which the pids hierarchy,
	# where the count is read, does not show.
	for c in memory cpu pids; do mkdir "$CG/$c/ctr-launch/u$UA/ghost"; done
	mkdir "$CG/memory/ctr-launch/u$UA/ghostm" "$CG/cpu/ctr-launch/u$UA/ghostc"
	run ctl_as "$LA" "$CTL_BIN" run busybox true
	[ "$status" -eq 0 ]
	for c in memory cpu pids; do [ ! -e "$CG/$c/ctr-launch/u$UA/ghost" ]; done
	[ ! -e "$CG/memory/ctr-launch/u$UA/ghostm" ]
	[ ! -e "$CG/cpu/ctr-launch/u$UA/ghostc" ]
	for c in memory cpu pids; do [ -d "$(leaf $c "$UA" keep)" ]; done
	[ -n "$(cat "$(leaf memory "$UA" keep)/cgroup.procs")" ]
	kill -TERM "$(front "$LA")"
	wait_gone "$CG/pids/ctr-launch/u$UA"
}

@test "limits: a dead keeper's cgroup is swept by the next launch" {
	bg "$LA" orphan busybox sleep 30
	wait_procs "$(leaf pids "$UA" orphan)"
	p0=$(front "$LA")
	k=$(pgrep -P "$p0" -x ctr-launch)
	[ -n "$k" ]
	kill -KILL "$k"
	# The container dies with its keeper (PDEATHSIG, pid namespace).
	for _ in $(seq 100); do [ -z "$(pgrep -u "$LA" -x sleep)" ] && break; sleep 0.05; done
	[ -z "$(pgrep -u "$LA" -x sleep)" ]
	# Any user's next launch sweeps it (its owner may never come back).
	run ctl_as "$LB" "$CTL_BIN" run busybox true
	[ "$status" -eq 0 ]
	for c in memory cpu pids; do [ ! -e "$(leaf $c "$UA" orphan)" ]; done
}
