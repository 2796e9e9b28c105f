#!/bin/bash
# make demo: ctr-launch end to end on a busybox image, told step by step.
# Usage (as root): demo.sh MAKE DEMOROOT BUILDDIR
#
# Builds with every path pointed into DEMOROOT and installs there, imports
# the demo image, writes a demo policy, creates two demo users and a denied
# one, shows what each can and cannot do, then removes the users.  The
# demo prefix stays installed (remove it with: rm -rf DEMOROOT).
set -u
MAKE=${1:-make}
ROOT=${2:-/var/lib/ctr-launch-demo}
BUILDDIR=${3:-build}
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "make demo: must run as root (it installs a setuid helper into $ROOT and creates demo users)" >&2
	exit 1
fi

BIN=$ROOT/usr/bin/ctr-launch
IMG=$ROOT/usr/sbin/ctr-image
POL=$ROOT/usr/sbin/ctr-policy
POLICY=$ROOT/etc/ctr-launch/policy.ini
TAG=$(printf '%04x' $((RANDOM ^ ($$ & 0xffff))))
ALICE=alice$TAG BOB=bob$TAG MALLORY=mallory$TAG GROUP=demo$TAG
WORK=$(mktemp -d)

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cleanup() {
	for u in "$ALICE" "$BOB" "$MALLORY"; do
		if getent passwd "$u" >/dev/null; then
			pkill -KILL -u "$u" 2>/dev/null
			userdel -r -f "$u" 2>/dev/null
		fi
		rm -rf "/home/$u"
	done
	getent group "$GROUP" >/dev/null && groupdel "$GROUP"
	rm -rf "$WORK"
}
trap cleanup EXIT

# as USER CMD...: CMD as USER, with the user's ids and groups and a login
# environment, from the user's home.
as() {
	local u=$1 home
	shift
	home=$(getent passwd "$u" | cut -d: -f6)
	(cd "$home" && env -i PATH=/usr/bin:/bin HOME="$home" USER="$u" \
	    LOGNAME="$u" LANG=C.UTF-8 TERM=dumb \
	    setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- "$@")
}

# step USER CMD...: prints the command line as USER would type it, runs
# it, and prints its output and exit status.
step() {
	local u=$1 rc
	shift
	local shown=() a
	for a in "$@"; do
		a=${a#"$ROOT"/usr/bin/}
		a=${a#"$ROOT"/usr/sbin/}
		if [[ $a =~ ^[A-Za-z0-9_./:=+,-]+$ ]]; then
			shown+=("$a")
		else
			shown+=("'${a//\'/\'\\\'\'}'")
		fi
	done
	printf '%s$ %s\n' "$u" "${shown[*]}"
	if [ "$u" = root ]; then "$@" 2>&1; else as "$u" "$@" 2>&1; fi |
	    sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	echo "    [exit status $rc]"
}

bold "Building with every path under $ROOT and installing there"
bash tests/mkprefix.sh "$ROOT" || exit 1
if ! $MAKE -s BUILDDIR="$BUILDDIR/demo" PREFIX="$ROOT/usr" \
    SYSCONFDIR="$ROOT/etc" STATEDIR="$ROOT/var" RUNDIR="$ROOT/run" \
    PAMDIR="$ROOT/etc/pam.d" install >"$WORK/build.log" 2>&1; then
	tail -n 30 "$WORK/build.log"
	exit 1
fi
ls -l "$BIN"

bold "The administrator imports a busybox image into the store"
bash tests/mkrootfs.sh "$WORK/rootfs" >/dev/null
tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
step root "$IMG" import --quiet --name busybox "$WORK/busybox.tar"
step root "$IMG" list

bold "Two demo users in group $GROUP, and $MALLORY, who is denied"
groupadd "$GROUP"
for u in "$ALICE" "$BOB" "$MALLORY"; do
	useradd -m -d "/home/$u" -s /bin/sh -U "$u"
	chmod 0700 "/home/$u"
done
usermod -aG "$GROUP" "$ALICE"
usermod -aG "$GROUP" "$BOB"
echo "alice's notes" >"/home/$ALICE/notes.txt"
chown "$ALICE:" "/home/$ALICE/notes.txt"
echo "bob's diary" >"/home/$BOB/diary.txt"
chown "$BOB:" "/home/$BOB/diary.txt"
id "$ALICE"
id "$BOB"
id "$MALLORY"

bold "The policy: group $GROUP may run busybox with its home bound"
cat >"$POLICY" <<EOF
[global]
max_total_containers = 16

[default]
binds = %h:%h
user_binds = %h
cpus = 1
memory = 1G
pids = 128
tmpfs_size = 64M
network = host

[group:$GROUP]
images = busybox

[user:$MALLORY]
deny = yes
EOF
chmod 0644 "$POLICY"
cat "$POLICY"
step root "$POL" check
step root "$POL" explain "$ALICE"

bold "Each user runs id: their own uid, gid and groups, with names"
step "$ALICE" "$BIN" run busybox id
step "$BOB" "$BIN" run busybox id

bold "Each sees their own home, bound at the same path, writable"
step "$ALICE" "$BIN" run busybox ls -l "/home/$ALICE"
step "$ALICE" "$BIN" run busybox sh -c "echo written-in-a-container >>/home/$ALICE/notes.txt; cat /home/$ALICE/notes.txt"
step "$BOB" "$BIN" run busybox cat "/home/$BOB/diary.txt"

bold "The other user's home: not in the container, and not bindable"
step "$ALICE" "$BIN" run busybox ls "/home/$BOB"
step "$ALICE" "$BIN" run -v "/home/$BOB:/bob" busybox ls /bob
step "$ALICE" ls "/home/$BOB"

bold "No privilege inside: every capability set empty, no_new_privs"
step "$ALICE" "$BIN" run busybox grep -E '^(Cap|NoNewPrivs)' /proc/self/status

bold "A denied user"
step "$MALLORY" "$BIN" run busybox id

bold "A refused bind: /etc is not under any path the policy grants"
step "$ALICE" "$BIN" run -v /etc:/x busybox ls /x

bold "A request above the policy's limit is refused, naming it"
step "$ALICE" "$BIN" run --cpus 4 busybox true

bold "What a launch would do, without launching"
step "$ALICE" "$BIN" run --dry-run busybox sh -c 'echo hi'

bold "The payload's exit status comes back"
step "$ALICE" "$BIN" run busybox sh -c 'exit 3'

bold "A long-running service in the background: its log, a look inside, stop"
step "$ALICE" "$BIN" run -d --name lab busybox sh -c 'echo "lab ready, token=demo123"; mkdir -p /tmp/www; echo hello >/tmp/www/index.html; exec httpd -f -p 127.0.0.1:0 -h /tmp/www'
sleep 1
step "$ALICE" "$BIN" ps
step "$ALICE" "$BIN" logs lab
step "$ALICE" "$BIN" exec lab ps
step "$BOB" "$BIN" logs lab
step "$ALICE" "$BIN" stop lab
step "$ALICE" "$BIN" ps -a
step "$ALICE" "$BIN" rm lab

# The login shell over a loopback sshd (tests/demo-login.sh).
# shellcheck source=tests/demo-login.sh
. tests/demo-login.sh

bold "Done"
echo "The demo users and group are removed now; the demo prefix $ROOT"
echo "stays installed (rm -rf $ROOT removes it)."
