#!/bin/bash
# start.sh DIR: a single-node Slurm cluster on 127.0.0.1 for the tests,
# everything under DIR (config, state, spool, logs, pid files), with
# proctrack/cgroup and task/cgroup.  Starts munged unless one answers
# (DIR/run/munged.ours then records ours), slurmctld and slurmd, and waits
# until `srun true` works.  PLUGSTACK (a file) becomes plugstack.conf.
# AUDIT_LOG (a file): slurmd runs with a private /dev whose /dev/log
# appends every syslog line there (the helper's audit trail).
# Prints nothing on success; stop.sh DIR stops what this started, by pid.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=$1
NODE=localhost
CTLD_PORT=${CTLD_PORT:-6817}
SLURMD_PORT=${SLURMD_PORT:-6818}
WAIT_S=${WAIT_S:-60}
CONF=$B/etc/slurm.conf

die() { echo "slurm start: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
for p in slurmctld slurmd munged srun; do
	command -v "$p" >/dev/null || die "$p not installed (make deps)"
done
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if alive "$B/run/slurmctld.pid" || alive "$B/run/slurmd-$NODE.pid"; then
	die "a cluster in $B is running already"
fi

rm -rf "$B/state" "$B/spool" "$B/log" "$B/run"
mkdir -p "$B/etc" "$B/state" "$B/spool/slurmd-$NODE" "$B/log" "$B/run"
chown slurm:slurm "$B/state" "$B/log" "$B/run"
chmod 755 "$B" "$B/etc" "$B/log" "$B/run"

MEM=$(free -m | awk '/^Mem:/{print $2}')
CPUS=$(nproc)
read -r SOCK CORES THREADS < <(slurmd -C | awk '{for(i=1;i<=NF;i++){split($i,a,"=");v[a[1]]=a[2]}}
	END{print v["SocketsPerBoard"], v["CoresPerSocket"], v["ThreadsPerCore"]}' | head -1)
DET_MEM=$(slurmd -C | grep -o 'RealMemory=[0-9]*' | cut -d= -f2 | head -1)
if [ -n "$DET_MEM" ] && [ "$DET_MEM" -lt "$MEM" ]; then MEM=$DET_MEM; fi

cat >"$B/etc/cgroup.conf" <<EOF
CgroupPlugin=autodetect
ConstrainCores=yes
ConstrainRAMSpace=yes
ConstrainSwapSpace=yes
AllowedSwapSpace=0
ConstrainDevices=no
EOF
cat >"$CONF" <<EOF
ClusterName=ctltest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$B/state
SlurmdSpoolDir=$B/spool/slurmd-%n
SlurmctldPidFile=$B/run/slurmctld.pid
SlurmdPidFile=$B/run/slurmd-%n.pid
SlurmctldLogFile=$B/log/slurmctld.log
SlurmdLogFile=$B/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
MailProg=/bin/true
PlugStackConfig=$B/etc/plugstack.conf
ReturnToService=2
SlurmdTimeout=300
InactiveLimit=0
KillWait=${KILLWAIT:-10}
MinJobAge=300
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS Sockets=$SOCK CoresPerSocket=$CORES ThreadsPerCore=$THREADS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
if [ -n "${PLUGSTACK:-}" ]; then
	cp "$PLUGSTACK" "$B/etc/plugstack.conf"
else
	: >"$B/etc/plugstack.conf"
fi
chmod 644 "$B/etc/"*.conf

if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
	rm -f "$B/run/munged.ours"
else
	if [ ! -s /etc/munge/munge.key ]; then
		install -d -o munge -g munge -m 0700 /etc/munge
		mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null ||
			dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
		chown munge:munge /etc/munge/munge.key
		chmod 0600 /etc/munge/munge.key
	fi
	install -d -o munge -g munge -m 0755 /run/munge
	runuser -u munge -- /usr/sbin/munged
	cp /run/munge/munged.pid "$B/run/munged.ours"
	for _ in $(seq 50); do
		munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
		sleep 0.1
	done
	munge -n | unmunge >/dev/null || die "munged does not answer"
fi

export SLURM_CONF=$CONF
/usr/sbin/slurmctld -f "$CONF" || die "slurmctld failed; see $B/log/slurmctld.log"
if [ -z "${AUDIT_LOG:-}" ]; then
	/usr/sbin/slurmd -f "$CONF" -N "$NODE" || die "slurmd failed; see $B/log/slurmd-$NODE.log"
else
	# slurmd (and every slurmstepd and helper it starts) in a private
	# mount namespace whose /dev is a copy with a datagram listener at
	# /dev/log: each syslog line is appended to AUDIT_LOG.
	: >"$AUDIT_LOG"
	unshare -m --propagation private bash -s "$B" "$CONF" "$NODE" "$AUDIT_LOG" \
	    "$SRC" <<-'EOS' ||
	set -e
	B=$1 CONF=$2 NODE=$3 LOG=$4
	d=$(mktemp -d "$B/run/dev.XXXXXX")
	bash "$5/tests/integration/devlog.sh" "$d" "$LOG" >"$B/run/logger.pid"
	mount --move "$d" /dev
	/usr/sbin/slurmd -f "$CONF" -N "$NODE"
	EOS
		die "slurmd failed; see $B/log/slurmd-$NODE.log"
fi

deadline=$(($(date +%s) + WAIT_S))
until timeout 20 srun -N1 -t 1 true 2>"$B/run/srun-wait.err"; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		cat "$B/run/srun-wait.err" >&2
		die "srun true did not succeed within ${WAIT_S}s; logs in $B/log"
	fi
	sleep 0.5
done
