#!/bin/bash
# bench/login.sh [BUILDDIR]: the cost of landing in the container over SSH.
# Starts OpenSSH's sshd on 127.0.0.1 (a free port from 2222) with a private
# configuration, and two throwaway users: one whose shell is /bin/sh, one
# whose shell is ctr-launch-shell (login = yes, the busybox image with the
# host's sftp-server).  Measures, interleaved, `ssh -o BatchMode=yes HOST
# true` from start to exit (LOGIN_RUNS times, default 20, after 2 warm-up
# runs each) and an scp upload of LOGIN_MB MiB (default 100, LOGIN_SCP_RUNS
# times, default 3) for both and for a third user with transfer = host, and prints a markdown table of medians and
# ratios.  Run as root from the repository root; everything lives in a
# fresh root-owned prefix /var/lib/ctr-launch-bench-login.XXXXXX and is
# removed at the end (sshd stopped by pid, users deleted).  Asserts
# nothing.
set -eu -o pipefail
cd "$(dirname "$0")/.."
BUILDDIR=${1:-build}
RUNS=${LOGIN_RUNS:-20}
SCP_RUNS=${LOGIN_SCP_RUNS:-3}
MB=${LOGIN_MB:-100}
[ "$(id -u)" = 0 ] || { echo "bench/login.sh: run as root" >&2; exit 1; }
[ -x /usr/sbin/sshd ] || { echo "bench/login.sh: openssh-server missing (make deps)" >&2; exit 1; }

ROOT=$(mktemp -d /var/lib/ctr-launch-bench-login.XXXXXX)
chmod 0755 "$ROOT"
TAG=${ROOT##*.}
TAG=$(printf %s "$TAG" | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9' | cut -c1-6)
US=bs$TAG UC=bc$TAG UH=bh$TAG
B=$BUILDDIR/bench-login.$TAG
SSHD_PID=
made_run_sshd=
cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	for u in $US $UC $UH; do
		pkill -KILL -u "$u" 2>/dev/null || true
		userdel -r -f "$u" 2>/dev/null || true
		getent group "$u" >/dev/null && groupdel "$u" 2>/dev/null || true
	done
	[ -n "$made_run_sshd" ] && rmdir /run/sshd 2>/dev/null
	rm -rf "$ROOT" "$B"
}
trap cleanup EXIT

make -s BUILDDIR="$B" TESTROOT="$ROOT" test-install >/dev/null
IMG=$ROOT/usr/sbin/ctr-image
d=$ROOT/scratch
mkdir -p "$d"
bash tests/mkrootfs.sh "$d/root"
for b in /usr/lib/openssh/sftp-server /usr/bin/scp; do
	for f in $b $(ldd "$b" | grep -o '/[^ ]*'); do
		mkdir -p "$d/root${f%/*}"
		cp -L "$f" "$d/root$f"
	done
done
tar -C "$d/root" -cf "$d/rootfs.tar" .
"$IMG" import --quiet --name busybox "$d/rootfs.tar"
rm -rf "$d/root" "$d/rootfs.tar"

useradd -m -d "/home/$US" -s /bin/sh -U "$US"
useradd -m -d "/home/$UC" -s "$ROOT/usr/bin/ctr-launch-shell" -U "$UC"
useradd -m -d "/home/$UH" -s "$ROOT/usr/bin/ctr-launch-shell" -U "$UH"
cat >"$ROOT/etc/ctr-launch/policy.ini" <<EOF
[default]
images = busybox
binds = %h:%h
network = host
memory = 4G

[user:$UC]
login = yes
login_image = busybox

[user:$UH]
login = yes
login_image = busybox
transfer = host
EOF
chmod 0644 "$ROOT/etc/ctr-launch/policy.ini"

port=
for p in 2222 $(seq 22220 22299); do
	ss -Htln "sport = :$p" | grep -q . || { port=$p; break; }
done
[ -n "$port" ] || { echo "bench/login.sh: no free port" >&2; exit 1; }
[ -d /run/sshd ] || { install -d -m 0755 /run/sshd; made_run_sshd=1; }
ssh-keygen -q -t ed25519 -N '' -f "$ROOT/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$ROOT/userkey"
install -d -m 0755 "$ROOT/keys"
for u in $US $UC $UH; do install -m 0644 "$ROOT/userkey.pub" "$ROOT/keys/$u"; done
cat >"$ROOT/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $ROOT/hostkey
PidFile $ROOT/sshd.pid
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AuthorizedKeysFile $ROOT/keys/%u
Subsystem sftp /usr/lib/openssh/sftp-server
PrintMotd no
EOF
/usr/sbin/sshd -D -f "$ROOT/sshd_config" -E "$ROOT/sshd.log" &
SSHD_PID=$!
for _ in $(seq 100); do ss -Htln "sport = :$port" | grep -q . && break; sleep 0.1; done

opts=(-F /dev/null -i "$ROOT/userkey" -o BatchMode=yes
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
now() { date +%s%N; }
# ms USER: one `ssh true`, in milliseconds.
ms() {
	local t0 t1
	t0=$(now)
	ssh "${opts[@]}" -p "$port" -l "$1" 127.0.0.1 true </dev/null
	t1=$(now)
	echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

for _ in 1 2; do ms "$US" >/dev/null; ms "$UC" >/dev/null; done
: >"$ROOT/plain" && : >"$ROOT/shell"
for _ in $(seq "$RUNS"); do
	ms "$US" >>"$ROOT/plain"
	ms "$UC" >>"$ROOT/shell"
done
p=$(median <"$ROOT/plain")
s=$(median <"$ROOT/shell")

head -c $((MB << 20)) /dev/urandom >"$ROOT/payload"
: >"$ROOT/scp-plain" && : >"$ROOT/scp-shell" && : >"$ROOT/scp-host"
for _ in $(seq "$SCP_RUNS"); do
	for u in $US $UC $UH; do
		t0=$(now)
		scp -q "${opts[@]}" -P "$port" "$ROOT/payload" "$u@127.0.0.1:payload"
		t1=$(now)
		f=$ROOT/scp-plain
		[ "$u" = "$UC" ] && f=$ROOT/scp-shell
		[ "$u" = "$UH" ] && f=$ROOT/scp-host
		echo $(((t1 - t0) / 1000000)) >>"$f"
		rm -f "/home/$u/payload"
	done
done
sp=$(median <"$ROOT/scp-plain")
ss_=$(median <"$ROOT/scp-shell")
sh_=$(median <"$ROOT/scp-host")

echo "| login over ssh (127.0.0.1, $RUNS runs; scp $MB MiB, $SCP_RUNS runs) | /bin/sh | ctr-launch-shell | ratio |"
echo "|---|---|---|---|"
printf '| `ssh host true`, median ms | %s | %s | %.2fx |\n' "$p" "$s" "$(echo "$s / $p" | bc -l)"
printf '| `scp` %s MiB upload (SFTP mode), median ms | %s | %s | %.2fx |\n' "$MB" "$sp" "$ss_" "$(echo "$ss_ / $sp" | bc -l)"
printf '| the same with `transfer = host`, median ms | %s | %s | %.2fx |\n' "$sp" "$sh_" "$(echo "$sh_ / $sp" | bc -l)"
