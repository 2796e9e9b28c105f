#!/usr/bin/env bats
# The container's own view of its cgroup, as real users: /sys/fs/cgroup
# holds the container's cgroup and nothing else, read-only, with its
# limits (so the JVM, Go, .NET, Node or joblib size themselves to the
# container, not the machine), whatever the network mode; v1 and v2.

load lib

setup_file() {
	export TAG
	TAG=$(ctl_tag)
	export CU=cu$TAG
	ctl_useradd "$CU"
	ctl_image_busybox
	ctl_policy <<-EOF
	[default]
	images = busybox
	network = host
	cpus = 2
	memory = 1G
	pids = 256
	EOF
}

teardown_file() {
	ctl_userdel "$CU"
}

# The limits files, v2 or v1, as the container sees them.
show='if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	echo v2; cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
else
	echo v1; echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
	cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
fi'

@test "cgview: the container's limits, and only its cgroup, in every network mode" {
	local net
	for net in host none; do
		run ctl_as "$CU" "$CTL_BIN" run --network "$net" --cpus 0.5 \
		    --memory 64M --pids-limit 40 busybox sh -c "$show"
		echo "$net: $output"
		[ "$status" -eq 0 ]
		[ "${lines[1]}" = "50000 100000" ]
		[ "${lines[2]}" = 67108864 ]
		[ "${lines[3]}" = 40 ]
	done
}

@test "cgview: --memory in Docker's spellings (0.5g, 512MB, 512MiB) is the limit 512M is" {
	local m
	for m in 512M 0.5g 512MB 512MiB; do
		run ctl_as "$CU" "$CTL_BIN" run --memory "$m" busybox sh -c "$show"
		echo "$m: $output"
		[ "$status" -eq 0 ]
		[ "${lines[2]}" = 536870912 ]
	done
	# No part of a byte, no unit twice.
	for m in 1.5 1GG; do
		run ctl_as "$CU" "$CTL_BIN" run --memory "$m" busybox true
		[ "$status" -eq 125 ]
		[ "$output" = "ctr-launch: run: --memory $m: expected a positive size such as 512M, 1.5G or 2GB" ]
	done
}

@test "cgview: no other cgroup is visible; nothing there is writable" {
	local net
	for net in host none; do
		run ctl_as "$CU" "$CTL_BIN" run --network "$net" busybox sh -c '
		    find /sys/fs/cgroup -mindepth 1 -type d
		    for f in $(find /sys/fs/cgroup -type f); do
		        (echo 1 >"$f") 2>/dev/null && echo "WROTE $f"
		    done
		    mkdir /sys/fs/cgroup/x 2>/dev/null && echo MKDIR
		    echo done'
		echo "$net: $output"
		[ "$status" -eq 0 ]
		[[ $output != *WROTE* ]]
		[[ $output != *MKDIR* ]]
		[ "${lines[-1]}" = done ]
		# v1: one directory per controller ctr-launch manages; v2: none.
		local d
		for d in "${lines[@]:0:${#lines[@]}-1}"; do
			case $d in
			/sys/fs/cgroup/memory | /sys/fs/cgroup/cpu | /sys/fs/cgroup/pids) ;;
			*) echo "unexpected: $d" >&2; return 1 ;;
			esac
		done
	done
}

@test "cgview: the processes listed are the container's own" {
	run ctl_as "$CU" "$CTL_BIN" run busybox sh -c '
	    f=/sys/fs/cgroup/cgroup.procs
	    [ -e $f ] || f=/sys/fs/cgroup/pids/cgroup.procs
	    sleep 5 & cat $f | wc -l; cat /proc/self/cgroup | cut -d: -f3 | sort -u'
	echo "$output"
	[ "$status" -eq 0 ]
	# init, sh, sleep and cat (a few): never the host's hundreds.
	[ "${lines[0]}" -le 6 ]
	[ "${lines[1]}" = / ]
}
