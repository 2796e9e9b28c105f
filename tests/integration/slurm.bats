#!/usr/bin/env bats
# Slurm, for real: a single-node cluster (Debian's slurmctld, slurmd and
# munge, proctrack/cgroup and task/cgroup on this host's cgroup v1) started
# by setup_file on 127.0.0.1 under $CTL_ROOT/slurm (tests/slurm/start.sh),
# jobs run as throwaway users with `runuser -u USER -- srun ...`, and
# everything stopped by pid in teardown_file (tests/slurm/stop.sh).
#
# The plugin (spank/ctr_launch.c, ctr-launch-spank(8)) and plain
# `srun ctr-launch run` inside a job step (batch-job placement): the
# container in the job's cgroups, Slurm's --mem and the policy's memory
# both holding, refusals as a failed task (rc 1, the reason, the node not
# drained), hostile option values refused on the node even from a client
# whose checks are compiled out, scancel leaving nothing behind, the
# audit lines with the job and step ids.

load lib

CG=/sys/fs/cgroup

setup_file() {
	for p in slurmctld slurmd munged srun sbatch; do
		command -v "$p" >/dev/null || skip "Slurm is not installed (make deps)"
	done
	[ -n "$CTL_ROOT" ] || skip "needs a test prefix"
	[ -d "$CG/memory" ] && [ -d "$CG/freezer" ] || skip "needs cgroup v1 memory and freezer"
	[ -f "$CTL_ROOT/usr/lib/ctr-launch/ctr_launch.so" ] ||
	    skip "the plugin is not installed (make test-install with libslurm-dev)"
	export TAG
	TAG=$(ctl_tag)
	export SA=sa$TAG SD=sd$TAG
	ctl_useradd "$SA"
	ctl_useradd "$SD"
	export UA
	UA=$(id -u "$SA")
	export SB=$CTL_ROOT/slurm
	export SLURM_CONF=$SB/etc/slurm.conf
	export AUDIT=$CTL_ROOT/slurm-audit.log
	export PLUG=$CTL_ROOT/usr/lib/ctr-launch/ctr_launch.so
	export LAX=$CTL_ROOT/usr/lib/ctr-launch/ctr_launch_lax.so
	ctl_image_busybox
	# An image of its own, with an /etc/os-release the host has not.
	local d
	d=$(mktemp -d)
	ctl_rootfs "$d/root"
	printf 'PRETTY_NAME="slurm image %s"\n' "$TAG" >"$d/root/etc/os-release"
	tar -C "$d/root" -cf "$d/rootfs.tar" .
	"$CTL_IMAGETOOL" import --quiet --name "slimg$TAG" "$d/rootfs.tar"
	rm -rf "$d"
	policy 300M
	plugstack "$PLUG"
	mkdir -p "$SB"
	AUDIT_LOG=$AUDIT PLUGSTACK=$SB.plugstack bash "$CTL_SRC/tests/slurm/start.sh" "$SB"
}

teardown_file() {
	if [ -n "${SB:-}" ]; then
		bash "$CTL_SRC/tests/slurm/stop.sh" "$SB"
		rm -rf "$SB" "$SB.plugstack" "$AUDIT"
	fi
	if [ -n "${SA:-}" ]; then
		ctl_userdel "$SA"
		ctl_userdel "$SD"
		"$CTL_IMAGETOOL" rm "slimg$TAG" >/dev/null 2>&1 || true
	fi
}

# policy MEMORY: the suite's policy, the container's memory MEMORY.
policy() {
	ctl_policy <<-EOF
	[global]
	max_total_containers = 100000
	[default]
	images = busybox, slimg$TAG
	memory = $1
	user_binds = %h, $CTL_ROOT/slurm/spool:ro
	[user:$SD]
	deny = yes
	EOF
}

# plugstack SO: the plugin Slurm loads from the next launch on (srun and
# slurmstepd read plugstack.conf at each one).
plugstack() {
	echo "required $1 helper=$CTL_ROOT/usr/bin/ctr-launch" >"$SB.plugstack.new"
	mv -f "$SB.plugstack.new" "$SB.plugstack"
	if [ -d "$SB/etc" ]; then
		cp "$SB.plugstack" "$SB/etc/plugstack.conf"
	fi
}

# as USER CMD...: CMD as USER from /tmp, SLURM_CONF passed on.
as() {
	local u=$1
	shift
	(cd /tmp && runuser -u "$u" -- env SLURM_CONF="$SLURM_CONF" "$@")
}

# node_idle: the node is back to idle (never drained) within 20 s.
node_idle() {
	local s
	for _ in $(seq 100); do
		s=$(sinfo -h -n localhost -o %T)
		case $s in
		idle) return 0 ;;
		drain* | down*) echo "node $s" >&2; return 1 ;;
		esac
		sleep 0.2
	done
	echo "node $s" >&2
	return 1
}

# no_leftovers [JOB]: no process of the user, nothing of JOB (default:
# of any job of the user) left under Slurm's cgroups, no cgroup of the
# user's under ctr-launch's, no mount of the store.
no_leftovers() {
	local pat="uid_$UA/job_${1:-}"
	for _ in $(seq 100); do
		[ -z "$(pgrep -u "$UA")" ] &&
		    ! find "$CG"/*/slurm_localhost -path "*$pat*" 2>/dev/null | grep -q . &&
		    break
		sleep 0.1
	done
	run pgrep -u "$UA"
	[ "$status" -ne 0 ]
	run find "$CG"/*/slurm_localhost -path "*$pat*" -type d
	echo "left: $output"
	[ -z "$output" ]
	run find "$CG"/memory/ctr-launch "$CG"/pids/ctr-launch "$CG"/cpu/ctr-launch -path "*/u$UA/*"
	[ -z "$output" ]
	! grep -q "$CTL_ROOT/var" /proc/self/mountinfo || false
}

# payload_job NAME: waits for the user's process NAME; prints
# "PID JOB" (the job id from its memory cgroup).
payload_job() {
	local pid="" mem
	for _ in $(seq 150); do
		pid=$(pgrep -u "$UA" -x "$1") && break
		sleep 0.1
	done
	[ -n "$pid" ] || return 1
	mem=$(grep ':memory:' "/proc/$pid/cgroup" | cut -d: -f3)
	mem=${mem#*/job_}
	echo "$pid ${mem%%/*}"
}

@test "slurm: srun --container-image runs the command in the image, as the job's user" {
	run as "$SA" srun --container-image="slimg$TAG" sh -c 'cat /etc/os-release; id -u; echo "proc=$SLURM_PROCID job=$SLURM_JOB_ID"'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PRETTY_NAME=\"slurm image $TAG\""* ]]
	[[ "$output" == *"$UA"* ]]
	[[ "$output" == *"proc=0 job="[0-9]* ]]
	node_idle
}

@test "slurm: without --container-image the plugin leaves the task alone" {
	run as "$SA" srun sh -c 'grep -c "slurm image" /etc/os-release || true'
	[ "$status" -eq 0 ]
	[[ "$output" == 0* ]]
}

@test "slurm: a user the policy denies: rc 1, the reason, the node not drained" {
	run as "$SD" srun --container-image="slimg$TAG" cat /etc/os-release
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"ctr-launch: "*"denied"* ]]
	[[ "$output" != *"slurm image"* ]]
	node_idle
}

@test "slurm: an image the policy does not grant: rc 1, the reason, node idle" {
	ctl_image_busybox "other$TAG:latest"
	run as "$SA" srun --container-image="other$TAG" cat /etc/os-release
	echo "$output"
	"$CTL_IMAGETOOL" rm "other$TAG:latest" >/dev/null 2>&1 || true
	[ "$status" -eq 1 ]
	[[ "$output" == *"not granted to you by the policy"* ]]
	node_idle
}

@test "slurm: a bind outside the grant: rc 1, the reason, node idle" {
	run as "$SA" srun --container-image="slimg$TAG" --container-mounts=/etc:/mnt ls /mnt
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/etc is not under any user_binds prefix"* ]]
	node_idle
}

@test "slurm: --container-mounts, --container-workdir and --container-env" {
	mkdir -p "/home/$SA/data"
	echo "data $TAG" >"/home/$SA/data/f"
	chown -R "$SA:" "/home/$SA/data"
	run as "$SA" env MYVAR="v$TAG" srun --container-image="slimg$TAG" \
	    --container-mounts="/home/$SA/data:/data:ro" --container-workdir=/data \
	    --container-env=MYVAR sh -c 'pwd; cat f; echo "myvar=$MYVAR"; touch g 2>&1 || echo ro'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/data"* ]]
	[[ "$output" == *"data $TAG"* ]]
	[[ "$output" == *"myvar=v$TAG"* ]]
	[[ "$output" == *"ro"* ]]
}

@test "slurm: the container's cgroup is under the task's, the job's ids in the audit lines" {
	# The environment's job id is the user's to set: never logged.
	as "$SA" srun --container-image="slimg$TAG" sleep 30 &
	local pj job
	pj=$(payload_job sleep)
	[ -n "$pj" ]
	job=${pj#* }
	run cat "/proc/${pj% *}/cgroup"
	echo "$output"
	[[ "$output" == *":memory:/slurm_localhost/uid_$UA/job_$job/step_0/task_0/"* ]]
	[[ "$output" == *":freezer:/slurm_localhost/uid_$UA/job_$job/step_0"* ]]
	scancel "$job"
	wait || true
	no_leftovers "$job"
	grep "uid=$UA job=$job step=0 event=grant" "$AUDIT"
	grep "uid=$UA job=$job step=0 event=end" "$AUDIT"
	node_idle
}

@test "slurm: Slurm's --mem and the policy's memory both hold, the smaller wins" {
	# 60 MB of the shell's own memory (tmpfs pages would leave the OOM
	# killer only Slurm's slurmstepd to pick in the step's cgroup).
	local fill='x=$(head -c 60000000 /dev/zero | tr "\\0" a); echo "filled ${#x}"'
	run as "$SA" srun --mem=1000 --container-image="slimg$TAG" sh -c "$fill"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *filled* ]]
	run as "$SA" srun --mem=40 --container-image="slimg$TAG" sh -c "$fill"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" != *filled* ]]
	policy 40M
	run as "$SA" srun --mem=1000 --container-image="slimg$TAG" sh -c "$fill"
	policy 300M
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" != *filled* ]]
	no_leftovers
	node_idle
}

@test "slurm: #SBATCH --container-image runs the batch script in the container" {
	cat >"/home/$SA/job.sh" <<-EOF
	#!/bin/sh
	#SBATCH --container-image=slimg$TAG
	#SBATCH -o /home/$SA/job.out
	cat /etc/os-release
	echo "script=\$0"
	EOF
	chown "$SA:" "/home/$SA/job.sh"
	run as "$SA" sbatch --wait "/home/$SA/job.sh"
	echo "$output"
	cat "/home/$SA/job.out"
	[ "$status" -eq 0 ]
	grep -q "PRETTY_NAME=\"slurm image $TAG\"" "/home/$SA/job.out"
	grep -q "script=$SB/spool/.*/slurm_script" "/home/$SA/job.out"
	node_idle
}

@test "slurm: scancel of a step that ignores SIGTERM leaves no process, cgroup or mount" {
	as "$SA" srun --container-image="slimg$TAG" sh -c 'trap "" TERM; while :; do sleep 1; done' &
	local pj
	pj=$(payload_job sleep)
	[ -n "$pj" ]
	scancel "${pj#* }"
	wait || true
	no_leftovers "${pj#* }"
	# Slurm removed its own cgroups (nothing of ours was in the way).
	run grep -i "Device or resource busy" "$SB/log/slurmd-localhost.log"
	[ "$status" -ne 0 ]
	node_idle
}

@test "slurm: hostile option values are refused on the node, client checks compiled out" {
	plugstack "$LAX"
	local v long
	long=$(head -c 4096 /dev/zero | tr '\0' a)
	for v in "../../etc/shadow" "$long" "$(printf 'slimg%s\nx' "$TAG")"; do
		run as "$SA" srun --container-image="$v" cat /etc/shadow
		echo "$output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"ctr-launch: --container-image refused"* ]]
		[[ "$output" != *"root:"* ]]
	done
	run as "$SA" srun --container-image="slimg$TAG" --container-mounts="/home/$SA/../../etc:/mnt" ls /mnt
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--container-mounts refused"* ]]
	# The environment that carries options into steps is the user's too.
	run as "$SA" env SLURM_SPANK__SLURM_SPANK_OPTION_ctr_launch_container_image=../../etc/shadow \
	    srun cat /etc/shadow
	echo "$output"
	plugstack "$PLUG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--container-image refused"* ]]
	node_idle
}

@test "slurm: the real plugin refuses hostile values in srun already" {
	run as "$SA" srun --container-image=../../etc/shadow true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--container-image refused"* ]]
}

@test "slurm: srun ctr-launch run without the plugin stays in the task's cgroup" {
	: >"$SB/etc/plugstack.conf"
	# The environment's job id is the user's to set: never logged.
	as "$SA" srun --mem=200 sh -c "SLURM_JOB_ID=999999 SLURM_STEP_ID=77 \
	    exec $CTL_ROOT/usr/bin/ctr-launch run --rm slimg$TAG sleep 30" &
	local pj
	pj=$(payload_job sleep) || true
	plugstack "$PLUG"
	[ -n "$pj" ]
	run grep ':memory:' "/proc/${pj% *}/cgroup"
	echo "$output"
	[[ "$output" == *":/slurm_localhost/uid_$UA/job_${pj#* }/step_0/task_0/"* ]]
	scancel "${pj#* }"
	wait || true
	no_leftovers "${pj#* }"
	grep "uid=$UA job=${pj#* } step=0 event=end" "$AUDIT"
	run grep "job=999999\|step=77" "$AUDIT"
	[ "$status" -ne 0 ]
	node_idle
}

@test "slurm: srun --pty gives the container a terminal (-t)" {
	run bash -c "echo 'tty; exit' | (cd /tmp && runuser -u '$SA' -- env SLURM_CONF='$SLURM_CONF' \
	    script -qc 'srun --pty --container-image=slimg$TAG sh' /dev/null)"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" != *"not a tty"* ]]
}

@test "slurm: srun --pty inside a job: run -it stays in the foreground, Ctrl-P Ctrl-Q are bytes" {
	# Detached, the container would outlive the step: the keys are the
	# shell's (^P recalls the last line), the step ends with it.
	run bash -c "printf 'echo one-\$((40+2))\n\020\021\necho two-\$((40+3)); exit\n' | (cd /tmp && runuser -u '$SA' -- env SLURM_CONF='$SLURM_CONF' \
	    script -qc 'srun --pty --container-image=slimg$TAG sh' /dev/null)"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *two-43* ]]
	run as "$SA" "$CTL_BIN" ps -a -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	node_idle
}

@test "slurm: salloc --container-image reaches the steps of the allocation" {
	run as "$SA" salloc --container-image="slimg$TAG" srun cat /etc/os-release
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"slurm image $TAG"* ]]
	node_idle
}

@test "slurm: cgroup_placement = top in a job: the keeper leaves Slurm's cpuset for ctr-launch's" {
	: >"$SB/etc/plugstack.conf"
	ctl_policy <<-EOF
	[global]
	max_total_containers = 100000
	cgroup_placement = top
	[default]
	images = slimg$TAG
	EOF
	as "$SA" srun "$CTL_ROOT/usr/bin/ctr-launch" run --rm "slimg$TAG" sleep 30 &
	local pj
	pj=$(payload_job sleep) || true
	plugstack "$PLUG"
	policy 300M
	[ -n "$pj" ]
	run grep ':memory:' "/proc/${pj% *}/cgroup"
	echo "$output"
	[[ "$output" == *":/ctr-launch/u$UA/"* ]]
	scancel -u "$SA"
	wait || true
	no_leftovers
	node_idle
}

@test "slurm: plugin launches count against max_containers like any other" {
	ctl_policy <<-EOF
	[global]
	max_total_containers = 100000
	[default]
	images = slimg$TAG
	max_containers = 1
	EOF
	as "$SA" srun --container-image="slimg$TAG" sleep 30 &
	local pj
	pj=$(payload_job sleep) || true
	run as "$SA" srun --container-image="slimg$TAG" true
	echo "$output"
	policy 300M
	[ -n "$pj" ]
	scancel -u "$SA"
	wait || true
	[ "$status" -ne 0 ]
	[[ "$output" == *max_containers* ]]
	no_leftovers
	node_idle
}

@test "slurm: srun -n2 shares one container: the same namespaces and cgroup, the exec's confinement" {
	local f=/home/$SA/n2.out
	# Each task: its namespaces, cgroup and confinement, then a pause so
	# that both run at once; ps then shows the one container.
	as "$SA" srun -n2 --container-image="slimg$TAG" sh -c '
	    . /etc/os-release
	    echo "task=$SLURM_PROCID img=[$PRETTY_NAME] mnt=$(readlink /proc/self/ns/mnt) uts=$(readlink /proc/self/ns/uts) ipc=$(readlink /proc/self/ns/ipc) pidns=$(readlink /proc/self/ns/pid) cg=$(grep :memory: /proc/self/cgroup) uid=$(id -u) $(grep -E "^(NoNewPrivs|Seccomp|CapEff|CapPrm|CapBnd):" /proc/self/status | tr -d "\t" | tr "\n" " ")"
	    sleep 4' >"$f" 2>&1 &
	local job="" names=""
	for _ in $(seq 100); do
		names=$(as "$SA" "$CTL_BIN" ps -q 2>/dev/null) && [ -n "$names" ] && break
		sleep 0.1
	done
	echo "ps: $names"
	[ "$(echo "$names" | wc -l)" -eq 1 ]
	[[ "$names" == slurm-*.0 ]]
	job=${names#slurm-}
	job=${job%.0}
	# Seen from the host: both tasks' commands in the one container
	# cgroup, inside the cgroup of the task that made it.
	local pids cgs
	for _ in $(seq 50); do
		pids=$(pgrep -u "$UA" -x sleep) && [ "$(echo "$pids" | wc -l)" -eq 2 ] && break
		sleep 0.1
	done
	cgs=$(for p in $pids; do grep ':memory:' "/proc/$p/cgroup"; done | sort -u)
	echo "cgroups: $cgs"
	[ "$(echo "$pids" | wc -l)" -eq 2 ]
	[ "$(echo "$cgs" | wc -l)" -eq 1 ]
	[[ "$cgs" =~ /job_$job/step_0/task_[01]/slurm-$job\.0$ ]]
	wait
	cat "$f"
	[ "$(grep -c '^task=' "$f")" -eq 2 ]
	grep -q '^task=0 ' "$f"
	grep -q '^task=1 ' "$f"
	# The same container for both: everything but the task id equal.
	[ "$(sed 's/^task=[01] //' "$f" | grep '^img=' | sort -u | wc -l)" -eq 1 ]
	grep -q "img=\[slurm image $TAG\]" "$f"
	[ "$(grep -c "uid=$UA CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000000000 NoNewPrivs:1 Seccomp:2 " "$f")" -eq 2 ]
	grep -Eq "cg=[0-9]+:memory:/ " "$f"
	# One launch for the step: one grant, one end.
	[ "$(grep -c "uid=$UA job=$job step=0 event=grant" "$AUDIT")" -eq 1 ]
	no_leftovers "$job"
	run as "$SA" "$CTL_BIN" ps -a
	echo "$output"
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	node_idle
}

@test "slurm: srun -n2 where one task fails: both statuses come back, nothing left" {
	run as "$SA" srun -n2 --container-image="slimg$TAG" sh -c 'echo "task $SLURM_PROCID"; exit $((SLURM_PROCID * 3))'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"task 0"* ]]
	[[ "$output" == *"task 1"* ]]
	[[ "$output" == *"task 1: Exited with exit code 3"* ]]
	no_leftovers
	node_idle
}

@test "slurm: a container of the step's name that is not the step's is refused, never joined" {
	local job out=/home/$SA/hold.out
	job=$(as "$SA" sbatch --parsable --hold -n2 -o "$out" \
	    --wrap "srun -n2 --container-image=slimg$TAG cat /etc/os-release")
	[ -n "$job" ]
	# The user's own detached container, named as the step's would be.
	as "$SA" "$CTL_BIN" run -d --name "slurm-$job.0" busybox sleep 60
	scontrol release "$job"
	for _ in $(seq 300); do
		[ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
		sleep 0.2
	done
	cat "$out"
	grep -q "is not step $job.0's own" "$out"
	! grep -q "slurm image $TAG" "$out" || false
	# The user's container is untouched.
	run as "$SA" "$CTL_BIN" ps -q
	[ "$output" = "slurm-$job.0" ]
	as "$SA" "$CTL_BIN" rm -f "slurm-$job.0"
	no_leftovers
	node_idle
}

@test "slurm: run --step-tasks outside a job is refused, with no name taken" {
	run as "$SA" "$CTL_BIN" run --step-tasks 2 busybox true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"--step-tasks refused: only the tasks of a Slurm job step"* ]]
	run as "$SA" "$CTL_BIN" run --step-tasks 2 --name x busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"no --name"* ]]
	run as "$SA" "$CTL_BIN" run -d --step-tasks 2 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"never detached"* ]]
	run as "$SA" "$CTL_BIN" ps -a -q
	[ -z "$output" ]
}

@test "slurm: scancel of a two-task step in one container leaves nothing, the first task's keeper ends last" {
	as "$SA" srun -n2 --container-image="slimg$TAG" sh -c 'trap "" TERM; while :; do sleep 1; done' &
	local job="" n
	for _ in $(seq 100); do
		n=$(as "$SA" "$CTL_BIN" ps -q 2>/dev/null) && [ -n "$n" ] && break
		sleep 0.1
	done
	[[ "$n" == slurm-*.0 ]]
	job=${n#slurm-}
	job=${job%.0}
	# Both tasks run in it before the cancel.
	for _ in $(seq 100); do
		[ "$(pgrep -u "$UA" -x sleep | wc -l)" -ge 2 ] && break
		sleep 0.1
	done
	[ "$(pgrep -u "$UA" -x sleep | wc -l)" -ge 2 ]
	scancel "$job"
	wait || true
	no_leftovers "$job" || {
		find "$CG"/*/slurm_localhost -path "*job_$job*" -type d >&2
		ps -eo pid,user,ppid,stat,etime,cmd | grep -E "ctr-launch|sleep" | grep -v grep >&2
		grep "job=$job" "$AUDIT" >&2
		false
	}
	run grep -i "Device or resource busy" "$SB/log/slurmd-localhost.log"
	[ "$status" -ne 0 ]
	grep "uid=$UA job=$job step=0 event=end" "$AUDIT"
	node_idle
}

@test "slurm: scancel's SIGTERM reaches every task of a shared container" {
	local f=/home/$SA/term.out
	as "$SA" srun -n2 --container-image="slimg$TAG" sh -c \
	    'trap "echo term-\$SLURM_PROCID; exit 0" TERM; echo up-$SLURM_PROCID; while :; do sleep 0.2; done' >"$f" 2>&1 &
	local job="" n
	for _ in $(seq 150); do
		[ "$(grep -c '^up-' "$f" 2>/dev/null)" -eq 2 ] && break
		sleep 0.1
	done
	n=$(as "$SA" "$CTL_BIN" ps -q)
	job=${n#slurm-}
	job=${job%.0}
	scancel "$job"
	wait || true
	cat "$f"
	grep -q '^term-0' "$f"
	grep -q '^term-1' "$f"
	no_leftovers "$job" || {
		find "$CG"/*/slurm_localhost -path "*job_$job*" -type d >&2
		ps -eo pid,user,ppid,stat,etime,cmd | grep -E "ctr-launch|sleep" | grep -v grep >&2
		false
	}
	node_idle
}
