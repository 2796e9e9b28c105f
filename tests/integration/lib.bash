# Shared helpers for the bats suites.  Load with: load lib
#
# The suites run as root against the test prefix $CTL_ROOT (root-owned,
# under /var/lib) that `make integration` installed, and act as throwaway
# users and groups they create here.  Every user and group created is
# recorded in $CTL_ROOT/created so cleanup.sh removes them whatever happens.
#
# An installed package is tested with CTL_ROOT empty (its programs, policy,
# PAM service and runtime directory are the system's own) and CTL_STORE and
# CTL_CREATED set (make check-installed).  Each path below may be set.

: "${CTL_ROOT?run through make check or make integration}"
[ -n "$CTL_ROOT" ] || : "${CTL_STORE:?}" "${CTL_CREATED:?}"
CTL_SRC=${CTL_SRC:-$PWD}
CTL_BIN=${CTL_BIN:-$CTL_ROOT/usr/bin/ctr-launch}
CTL_POLICYTOOL=${CTL_POLICYTOOL:-$CTL_ROOT/usr/sbin/ctr-policy}
CTL_IMAGETOOL=${CTL_IMAGETOOL:-$CTL_ROOT/usr/sbin/ctr-image}
CTL_POLICY=${CTL_POLICY:-$CTL_ROOT/etc/ctr-launch/policy.ini}
CTL_STORE=${CTL_STORE:-$CTL_ROOT/var/ctr-launch}
CTL_PAMD=${CTL_PAMD:-$CTL_ROOT/etc/pam.d}
CTL_CREATED=${CTL_CREATED:-$CTL_ROOT/created}
CTL_MARK="ctr-launch-test"

# ctl_tag: a short random tag so that parallel runs never share a name.
ctl_tag() {
	printf 'ct%04x' $((RANDOM ^ ($$ & 0xffff)))
}

# ctl_cpu_from_proc: the keeper reads a container's CPU time from /proc
# here (cgroup v1 with cpuacct mounted apart from cpu), not its cgroup.
ctl_cpu_from_proc() {
	[ ! -e /sys/fs/cgroup/cgroup.controllers ] &&
	    [ -d /sys/fs/cgroup/cpu ] && [ ! -e /sys/fs/cgroup/cpu/cpuacct.usage ]
}

# ctl_strace_has LOG ERE: a call in strace's LOG matches ERE, its
# arguments and its result on one line.  With -f strace splits a call that
# another process's call interrupts ("read(3,  <unfinished ...>", later
# "<... read resumed>"..., ") = 0"); those are joined again first.
ctl_strace_has() {
	STRACE_ERE=$2 awk '
	    / <unfinished \.\.\.>$/ {
		sub(/ <unfinished \.\.\.>$/, "")
		open[$1] = $0
		next
	    }
	    match($0, /^[0-9]+ +<\.\.\. [a-z0-9_]+ resumed>/) && ($1 in open) {
		$0 = open[$1] substr($0, RLENGTH + 1)
		delete open[$1]
	    }
	    $0 ~ ENVIRON["STRACE_ERE"] {found = 1}
	    END {exit !found}' "$1"
}

# ctl_useradd NAME [useradd options...]: a throwaway user with a 0700 home.
# ctl_wait_for CMD...: retries CMD for up to 20 seconds (a condition, not
# a timing assertion).
ctl_wait_for() {
	local i
	for i in $(seq 1 100); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

ctl_useradd() {
	local name=$1
	shift
	echo "user $name" >>"$CTL_CREATED"
	useradd -m -d "/home/$name" -s /bin/sh -c "$CTL_MARK" -U "$@" "$name"
	chmod 0700 "/home/$name"
	# A helper installed 4750 with a test-only group (the sanitizer
	# build) is executable by the users of the suite only.
	if [ -n "${CTL_EXEC_GROUP:-}" ]; then
		usermod -a -G "$CTL_EXEC_GROUP" "$name"
	fi
}

# ctl_groupadd NAME [groupadd options...]
ctl_groupadd() {
	local name=$1
	shift
	echo "group $name" >>"$CTL_CREATED"
	groupadd "$@" "$name"
}

# ctl_userdel NAME: remove a user made by ctl_useradd, its processes and home.
ctl_userdel() {
	pkill -KILL -u "$1" 2>/dev/null || true
	userdel -r -f "$1" 2>/dev/null || true
	getent group "$1" >/dev/null && groupdel "$1" 2>/dev/null || true
	rm -rf "/home/$1"
}

# ctl_as USER CMD [ARG...]: run CMD as USER with the user's own uid, gid
# and groups, in a minimal environment, the way a login shell would.
ctl_as() {
	local u=$1
	shift
	local home
	home=$(getent passwd "$u" | cut -d: -f6)
	(cd "$home" 2>/dev/null || cd /
	env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$u" \
	    LOGNAME="$u" LANG=C.UTF-8 TERM="${TERM:-dumb}" \
	    setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- "$@")
}

# ctl_policy: install stdin as the policy file (root:root 0644).
ctl_policy() {
	local tmp
	tmp=$(mktemp "${CTL_POLICY%/*}/.policy.XXXXXX")
	cat >"$tmp"
	chown root:root "$tmp"
	chmod 0644 "$tmp"
	mv -f "$tmp" "$CTL_POLICY"
}

# ctl_rootfs DIR: a minimal busybox-static root filesystem in DIR.
ctl_rootfs() {
	bash "$CTL_SRC/tests/mkrootfs.sh" "$1"
}

# ctl_image_busybox [NAME]: import the busybox rootfs as NAME (default
# busybox:latest) unless the store already has it.
ctl_image_busybox() {
	local name=${1:-busybox:latest} d
	if "$CTL_IMAGETOOL" list 2>/dev/null | awk '{print $1}' | grep -qx "$name"; then
		return 0
	fi
	d=$(mktemp -d)
	ctl_rootfs "$d/root"
	tar -C "$d/root" -cf "$d/rootfs.tar" .
	"$CTL_IMAGETOOL" import --quiet --name "$name" "$d/rootfs.tar"
	local rc=$?
	rm -rf "$d"
	return $rc
}

# with_log LOG CMD...: runs CMD (as root) where /dev/log is a listener
# appending each datagram, bytes as sent, as one line to LOG (the audit
# trail's syslog lines).
with_log() {
	local log=$1
	shift
	local d
	d=$(mktemp -d "$BATS_TEST_TMPDIR/dev.XXXXXX")
	unshare -m --propagation private bash -s "$d" "$log" "$CTL_SRC" "$@" <<-'EOS'
	set -e
	d=$1 log=$2 src=$3
	shift 3
	lp=$(bash "$src/tests/integration/devlog.sh" "$d" "$log")
	mount --move "$d" /dev
	rc=0
	"$@" || rc=$?
	sleep 0.3
	kill $lp
	exit $rc
	EOS
}
