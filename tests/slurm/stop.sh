#!/bin/bash
# stop.sh DIR: stops the cluster start.sh DIR started, by the pids in its
# pid files (each checked against /proc/PID/comm first), munged only if
# start.sh started it, then removes Slurm's empty cgroup directories.
set -uo pipefail
B=$1
NODE=localhost
export SLURM_CONF=$B/etc/slurm.conf

stop_pidfile() { # PIDFILE NAME
	local pf=$1 name=$2 pid
	[ -s "$pf" ] || return 0
	pid=$(cat "$pf")
	if ! kill -0 "$pid" 2>/dev/null; then rm -f "$pf"; return 0; fi
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$name" ]; then
		echo "slurm stop: pid $pid is not $name; left alone" >&2
		return 0
	fi
	kill -TERM "$pid"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$pf"; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	sleep 0.2
	rm -f "$pf"
}

if [ -s "$B/run/slurmctld.pid" ] && kill -0 "$(cat "$B/run/slurmctld.pid")" 2>/dev/null; then
	jobs=$(squeue -h -t PD,R,S,CF,CG -o %i 2>/dev/null || true)
	if [ -n "$jobs" ]; then
		# shellcheck disable=SC2086 # one word per job id
		scancel $jobs 2>/dev/null || true
		for _ in $(seq 100); do
			[ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
			sleep 0.2
		done
	fi
fi
stop_pidfile "$B/run/slurmd-$NODE.pid" slurmd
stop_pidfile "$B/run/slurmctld.pid" slurmctld
if [ -s "$B/run/logger.pid" ]; then
	kill -TERM "$(cat "$B/run/logger.pid")" 2>/dev/null
	rm -f "$B/run/logger.pid"
fi
if [ -s "$B/run/munged.ours" ]; then
	stop_pidfile "$B/run/munged.ours" munged
fi
# slurmstepds outlive slurmd for a moment
for _ in $(seq 50); do
	pgrep -x slurmstepd >/dev/null || break
	sleep 0.2
done
for d in /sys/fs/cgroup/*/slurm_$NODE; do
	[ -d "$d" ] || continue
	find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
done
exit 0
