#!/bin/bash
# tests/deb/check.sh: the Debian package, end to end, on this host (make
# check's deb phase).
#
# From a clean clone of this repository's HEAD in /var/tmp it builds the
# .debs (ctr-launch and the Slurm plugin's ctr-launch-spank) as nobody
# (Rules-Requires-Root: no), runs lintian and hardening-check, installs
# both with apt-get (dependencies from the archive), launches busybox as a
# throwaway user, checks the system user ctr-pull its postinst makes (a
# ctr-pull made before goes for the run and comes back at its end), runs
# make check-installed (tests/deb/spank.bats among
# its suites), removes and purges ctr-launch-spank (ctr-launch stays, srun
# works again, nothing of the plugin's stays), checks that make uninstall
# removes what make install-spank installed, upgrades ctr-launch to a
# rebuilt higher version while a container
# runs (a locally edited policy.ini kept), restricts the helper with
# dpkg-statoverride, tries the bash completion, removes the package (the
# store stays) and purges it (nothing stays): the file list of /etc, /usr,
# /var/lib, /run, /opt and /srv, the statoverrides and the installed
# packages are compared with a snapshot taken before.
#
# Usage: tests/deb/check.sh [MAKE]   (root)
# Refuses a host where a package is installed or where /var/lib/ctr-launch
# exists (purge would delete that store); an /etc/ctr-launch, an
# /etc/pam.d/ctr-launch, a /run/ctr-launch or a plugstack.conf.d snippet of
# another installation is moved aside and put back.  Prints "ok N - ..." /
# "not ok N - ...", ends
# with "deb: N passed, N failed", appends "PASS FAIL" to $CTL_COUNTS when
# set.
# shellcheck disable=SC2016 # the bash -c scripts expand their own $1
set -u
MAKE=${1:-make}
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
BIN=/usr/bin/ctr-launch
IMAGETOOL=/usr/sbin/ctr-image
POLICYTOOL=/usr/sbin/ctr-policy
POLICY=/etc/ctr-launch/policy.ini
STORE=/var/lib/ctr-launch
COMPL=/usr/share/bash-completion/completions
SO=/usr/lib/ctr-launch/ctr_launch.so
SPANKCONF=/etc/ctr-launch/plugstack.conf
SPANKLINK=/etc/slurm/plugstack.conf.d/ctr-launch.conf
export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -y -q -o DPkg::Lock::Timeout=120)

n=0 pass=0 fail=0
T0=$SECONDS
ok() {
	n=$((n + 1)) pass=$((pass + 1))
	echo "ok $n - $1"
}
notok() {
	n=$((n + 1)) fail=$((fail + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | tail -n 40 | sed 's/^/#   /'
	return 0
}
# t DESC CMD...: one test; CMD's output is shown when it fails.
t() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else notok "$desc" "$out"; fi
}
# teq DESC EXPECTED CMD...: one test, CMD must print exactly EXPECTED.
teq() {
	local desc=$1 want=$2 got
	shift 2
	got=$("$@" 2>&1)
	if [ "$got" = "$want" ]; then
		ok "$desc"
	else
		notok "$desc" "expected: $want
got: $got"
	fi
}
note() {
	echo "# $*"
}
finish_counts() {
	echo "deb: $pass passed, $fail failed"
	[ -n "${CTL_COUNTS:-}" ] && echo "$pass $fail" >>"$CTL_COUNTS"
	[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
}

if [ "$(id -u)" != 0 ]; then
	notok "preconditions: must run as root (installs and purges a package)"
	finish_counts
	exit
fi
for p in ctr-launch ctr-launch-spank; do
	if dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^[a-z][^n]'; then
		notok "preconditions: the $p package is installed here already"
		finish_counts
		exit
	fi
done
if dpkg-statoverride --list "$BIN" >/dev/null 2>&1; then
	notok "preconditions: a dpkg-statoverride for $BIN exists (the administrator's)"
	finish_counts
	exit
fi
if [ -e "$STORE" ]; then
	notok "preconditions: $STORE exists (another installation's store; purge would delete it)"
	finish_counts
	exit
fi
for c in dpkg-buildpackage dh lintian hardening-check bats git; do
	if ! command -v "$c" >/dev/null; then
		notok "preconditions: $c missing (make deps)"
		finish_counts
		exit
	fi
done

# The system user ctr-pull is the package's to make (postinst) and to
# remove (purge): one made before (make install, the pull suite) goes for
# the run, and is made again at its end.
PULL_BEFORE=
if getent passwd ctr-pull >/dev/null && ! pgrep -u ctr-pull >/dev/null; then
	PULL_BEFORE=1
	deluser --system --quiet ctr-pull >/dev/null 2>&1
	delgroup --system --quiet ctr-pull >/dev/null 2>&1
fi

TMP=$(mktemp -d /var/tmp/ctl-deb.XXXXXX) || exit 1
chmod 0755 "$TMP" # apt's _apt user reads the .deb files
CREATED=$TMP/created
ASIDE=$TMP/aside
mkdir "$ASIDE"
pkgs_before=$(dpkg-query -W -f '${Package}\n' | sort)
cg_before=$(ls -d /sys/fs/cgroup/*/ctr-launch /sys/fs/cgroup/ctr-launch 2>/dev/null)

# snapshot: what a package may leave behind, with mode and owner.  The
# package manager's own state, caches and logs, and the test prefixes of
# concurrent test runs are left out; /home is not listed (the run's users
# are checked by name at the end).
snapshot() {
	find /etc /usr /var/lib /run /opt /srv -xdev \
	    \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache \
	    -o -path /var/log -o -path '/var/lib/ctr-launch-*' -o -path /run/user \
	    -o -path /run/lock -o -path /run/shm -o -path /run/systemd \
	    -o -path /run/mount \) -prune -o -printf '%p %M %u %g\n' 2>/dev/null | sort
	echo "== statoverride"
	dpkg-statoverride --list | sort
}

# as USER CMD...: CMD as USER with their own groups (lib.bash's ctl_as).
as() {
	ctl_as "$@"
}

cleanup() {
	local p
	[ -n "${BG:-}" ] && kill "$BG" 2>/dev/null
	bash "$SRC/tests/integration/cleanup.sh" "$TMP"
	if dpkg-statoverride --list "$BIN" >/dev/null 2>&1; then
		dpkg-statoverride --remove "$BIN" >/dev/null 2>&1
	fi
	for p in ctr-launch-spank ctr-launch; do
		if dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^[a-z][^n]'; then
			"${APT[@]}" purge "$p" >/dev/null 2>&1
		fi
	done
	for p in /etc/ctr-launch /etc/pam.d/ctr-launch /run/ctr-launch "$SPANKLINK"; do
		if [ -e "$ASIDE$p" ]; then
			rm -rf "$p"
			mv "$ASIDE$p" "$p"
		fi
	done
	if [ -n "$PULL_BEFORE" ] && ! getent passwd ctr-pull >/dev/null; then
		adduser --system --no-create-home --group ctr-pull >/dev/null 2>&1
	fi
	for p in /sys/fs/cgroup/*/ctr-launch /sys/fs/cgroup/ctr-launch; do
		[ -d "$p" ] || continue
		grep -qxF "$p" <<<"$cg_before" && continue
		find "$p" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

snapshot >"$TMP/snap.before"
# Another installation's configuration and runtime directory (make
# install, make install-spank) would collide with the package's: moved
# aside, put back.
for p in /etc/ctr-launch /etc/pam.d/ctr-launch /run/ctr-launch "$SPANKLINK"; do
	if [ -e "$p" ] || [ -L "$p" ]; then
		note "moving $p aside"
		mkdir -p "$ASIDE$(dirname "$p")"
		mv "$p" "$ASIDE$p"
	fi
done

# ---- build ----------------------------------------------------------------

note "testing commit $(git -C "$SRC" rev-parse --short HEAD) (uncommitted changes are not part of the test)"
CLONE=$TMP/src
git clone -q --no-hardlinks "$SRC" "$CLONE" 2>"$TMP/clone.err" ||
    notok "git clone" "$(cat "$TMP/clone.err")"
chown -R nobody:nogroup "$CLONE"
# nobody_make ARGS...: make in the clone as nobody (no root for the build).
nobody_make() {
	(cd "$CLONE" && setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
	    env -i PATH=/usr/bin:/bin HOME="$CLONE" LANG=C.UTF-8 \
	    "$MAKE" -f Makefile -f debian/deb.mk "$@")
}
# The Makefile includes debian/deb.mk once the lead wires it: read it
# only once.
grep -q '^-*include debian/deb.mk' "$CLONE/Makefile" && nobody_make() {
	(cd "$CLONE" && setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
	    env -i PATH=/usr/bin:/bin HOME="$CLONE" LANG=C.UTF-8 "$MAKE" "$@")
}

mk_version=$(sed -n 's/^VERSION[[:space:]]*:*=[[:space:]]*//p' "$CLONE/Makefile")
ch_version=$(cd "$CLONE" && dpkg-parsechangelog -SVersion)
if [ "$mk_version" = "$ch_version" ]; then
	ok "debian/changelog version $ch_version = Makefile VERSION"
else
	notok "debian/changelog version $ch_version != Makefile VERSION $mk_version"
fi

# Build-Depends, exactly: the -dev package of every pkg-config module the
# Makefile builds the programs with, the one of Slurm's spank.h (the
# plugin), pkg-config and debhelper-compat.
t "Build-Depends = the Makefile's pkg-config modules' packages + spank.h's + pkg-config + debhelper-compat" bash -c '
	mods=$(sed -n "s/^\(HELPER\|IMAGE\)_PKGS[[:space:]]*:*=//p" "$1/Makefile")
	want=$(for m in $mods; do
		pc=$(pkg-config --variable=pcfiledir "$m")/$m.pc || exit 1
		dpkg -S "$pc" | cut -d: -f1
	done; dpkg -S /usr/include/slurm/spank.h | cut -d: -f1
	echo pkg-config; echo debhelper-compat)
	have=$(awk "/^Build-Depends:/ {f = 1; sub(/^[^:]*:/, \"\"); print; next}
	    f && /^[[:space:]]/ {print; next} {f = 0}" "$1/debian/control" |
	    tr "," "\n" | sed "s/(.*//; s/[[:space:]]//g" | grep .)
	echo "wanted: $(sort -u <<<"$want" | tr "\n" " ")"
	echo "listed: $(sort -u <<<"$have" | tr "\n" " ")"
	[ "$(sort -u <<<"$want")" = "$(sort -u <<<"$have")" ]' sh "$CLONE"

s=$SECONDS
if nobody_make deb >"$TMP/build1.log" 2>&1; then
	ok "make deb as nobody (Rules-Requires-Root: no) in $((SECONDS - s)) s"
else
	notok "make deb as nobody" "$(cat "$TMP/build1.log")"
fi
T_BUILD=$((SECONDS - s))
mkdir "$TMP/v1"
cp "$CLONE"/build/deb/*.deb "$CLONE"/build/deb/*.changes "$CLONE"/build/deb/*.buildinfo "$TMP/v1/" 2>/dev/null
debs=("$TMP"/v1/ctr-launch_*.deb)
DEB1=${debs[0]}
[ -e "$DEB1" ] || DEB1=
if [ -z "$DEB1" ]; then
	notok "no .deb built: the remaining tests need one"
	finish_counts
	exit
fi
chmod -R a+rX "$TMP/v1"
note "built $(basename "$DEB1")"
debs=("$TMP"/v1/ctr-launch-spank_*.deb)
SPANK1=${debs[0]}
[ -e "$SPANK1" ] || SPANK1=
t "ctr-launch-spank built from the same source, listed in the .changes" bash -c '
	[ -n "$1" ] && grep -q " $(basename "$1")\$" "$2"/*.changes' sh "$SPANK1" "$TMP/v1"

t "the .deb landed in build/deb of the tree, not its parent" \
    test -z "$(ls "$TMP"/*.deb 2>/dev/null)"

s=$SECONDS
# lintian's scratch files (it leaves some) go with $TMP, not into /tmp.
install -d -o nobody -g nogroup -m 0700 "$TMP/lintian-tmp"
lint=$(cd "$TMP/v1" && setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
    env -i PATH=/usr/bin:/bin HOME="$TMP/v1" LANG=C.UTF-8 \
    TMPDIR="$TMP/lintian-tmp" \
    lintian -I --pedantic --show-overrides ./*.changes 2>&1)
T_LINT=$((SECONDS - s))
printf '%s\n' "$lint" | sed 's/^/#   lintian: /'
if ! grep -q '^[EW]:' <<<"$lint" &&
    grep -q '^O: ctr-launch: elevated-privileges 4755 root/root \[usr/bin/ctr-launch\]' <<<"$lint" &&
    grep -q '^O: ctr-launch: non-standard-dir-perm 0700 != 0755 \[var/lib/ctr-launch/\]' <<<"$lint"; then
	ok "lintian of both packages: no error or warning; the two overrides are used ($T_LINT s)"
else
	notok "lintian of both packages: errors, warnings or unused overrides"
fi

# dpkg-buildflags reach every compile and link unchanged: the Makefile
# appends CFLAGS (debian/rules puts CPPFLAGS in it) and LDFLAGS to its own.
t "build log: every compile has dpkg-buildflags' CFLAGS and CPPFLAGS, every link its LDFLAGS" bash -c '
	log=$1
	cf=$(grep -o "\"CFLAGS=[^\"]*\"" "$log" | head -n 1 | sed "s/^\"CFLAGS=//; s/\"\$//")
	lf=$(grep -o "\"LDFLAGS=[^\"]*\"" "$log" | head -n 1 | sed "s/^\"LDFLAGS=//; s/\"\$//")
	echo "CFLAGS: $cf"
	echo "LDFLAGS: $lf"
	[[ $cf == *-D_FORTIFY_SOURCE=2* && $cf == *-fstack-protector-strong* &&
	    $cf == *-Werror=format-security* && $lf == *-z,relro* && $lf == *-z,now* ]] || exit 1
	nc=$(grep -c " -c -o build/rel/" "$log")
	[ "$nc" -gt 0 ] && [ "$(grep " -c -o build/rel/" "$log" | grep -cF -- "$cf")" = "$nc" ] &&
	[ "$(grep " -o build/rel/ctr-[a-z]* " "$log" | grep -cF -- "$lf")" = 3 ] &&
	[ "$(grep " -o build/rel/spank/ctr_launch.so " "$log" | grep -F -- "$cf" | grep -cF -- "$lf")" = 1 ]
' sh "$TMP/build1.log"
x=$TMP/x
dpkg-deb -x "$DEB1" "$x"
# Control-flow protection (IBT/SHSTK) is compiled in (-fcf-protection) but
# Debian 12's crt1.o lacks the property, so no binary of the release has
# the note: not checked.
[ -n "$SPANK1" ] && dpkg-deb -x "$SPANK1" "$x"
t "hardening-check: PIE, stack protector, FORTIFY, RELRO, BIND_NOW in all three programs and the plugin" \
    hardening-check --nocfprotection "$x$BIN" "$x$IMAGETOOL" "$x$POLICYTOOL" "$x$SO"
t "the plugin .deb: ctr_launch.so 0644 root, the conffile, the plugstack.conf.d symlink, README.Debian, Depends" bash -c '
	set -e
	deb=$1
	c=$(dpkg-deb -c "$deb")
	grep -q "^-rw-r--r-- root/root .* ./usr/lib/ctr-launch/ctr_launch.so$" <<<"$c"
	grep -q "^-rw-r--r-- root/root .* ./etc/ctr-launch/plugstack.conf$" <<<"$c"
	grep -q "^lrwxrwxrwx root/root .* ./etc/slurm/plugstack.conf.d/ctr-launch.conf -> ../../ctr-launch/plugstack.conf$" <<<"$c"
	grep -q "./usr/share/doc/ctr-launch-spank/README.Debian$" <<<"$c"
	grep -q "./usr/share/man/man8/ctr-launch-spank.8.gz$" <<<"$c"
	[ "$(grep -c "^-" <<<"$c")" = 6 ]	# and the copyright and changelog only
	[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)" = /etc/ctr-launch/plugstack.conf ]
	[ "$(dpkg-deb -f "$deb" Architecture)" = "$(dpkg --print-architecture)" ]
	d=$(dpkg-deb -f "$deb" Depends)
	grep -qF "ctr-launch (= $(dpkg-deb -f "$deb" Version))" <<<"$d"
	grep -qE "slurm-wlm-basic-plugins \(>= [0-9]+\.[0-9]{2}~\), slurm-wlm-basic-plugins \(<< [0-9]+\.[0-9]{2}~\)" <<<"$d"
' sh "$SPANK1"
t "the .deb: helper 4755 root, login shell link, store 0700, conffiles, man pages, completion, docs" bash -c '
	set -e
	deb=$1
	c=$(dpkg-deb -c "$deb")
	grep -q "^-rwsr-xr-x root/root .* ./usr/bin/ctr-launch$" <<<"$c"
	grep -q "^-rwxr-xr-x root/root .* ./usr/sbin/ctr-image$" <<<"$c"
	grep -q "^-rwxr-xr-x root/root .* ./usr/sbin/ctr-policy$" <<<"$c"
	grep -q "^drwx------ root/root .* ./var/lib/ctr-launch/$" <<<"$c"
	for m in man1/ctr-launch.1 man5/ctr-launch.policy.5 man8/ctr-image.8 man8/ctr-policy.8; do
		grep -q "./usr/share/man/$m.gz$" <<<"$c"
	done
	! grep -q "ctr-launch-spank.8" <<<"$c"
	for f in README.md SECURITY.md; do grep -q "./usr/share/doc/ctr-launch/$f" <<<"$c"; done
	grep -q "./usr/lib/tmpfiles.d/ctr-launch.conf$" <<<"$c"
	grep -q "./usr/share/bash-completion/completions/ctr-launch$" <<<"$c"
	grep -q "./usr/share/bash-completion/completions/ctr-image -> ctr-launch$" <<<"$c"
	grep -q "./usr/share/bash-completion/completions/ctr-policy -> ctr-launch$" <<<"$c"
	[ "$(dpkg-deb -f "$deb" Depends | grep -o "libpam-modules")" = libpam-modules ]
	# libpam is loaded when PAM is first needed (helper/pamdl.c), not
	# linked: shlibs cannot see it, the control file names it.
	dpkg-deb -f "$deb" Depends | grep -q "libpam0g (>= 1.4.0)"
	[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles | sort)" = \
	    "$(printf "/etc/ctr-launch/policy.ini\n/etc/ctr-launch/sshd-login.conf\n/etc/pam.d/ctr-launch\n")" ]
	grep -q "./usr/bin/ctr-launch-shell -> ctr-launch$" <<<"$c"
' sh "$DEB1"

# ---- install --------------------------------------------------------------

s=$SECONDS
if out=$("${APT[@]}" install "$DEB1" 2>&1 </dev/null); then
	ok "apt-get install ./$(basename "$DEB1") ($((SECONDS - s)) s)"
else
	notok "apt-get install ./$(basename "$DEB1")" "$out"
fi
dpkg -L ctr-launch >"$TMP/pkgfiles" 2>/dev/null
new_pkgs=$(dpkg-query -W -f '${Package}\n' | sort | comm -13 <(echo "$pkgs_before") - | grep -vx ctr-launch)
[ -n "$new_pkgs" ] && note "apt-get installed dependencies:" "${new_pkgs//$'\n'/ }"
t "installed: helper 4755 root:root, tools 0755, store 0700 root, policy and PAM service in /etc" bash -c '
	[ "$(stat -c "%a %U %G" /usr/bin/ctr-launch)" = "4755 root root" ] &&
	[ "$(stat -c "%a %U" /usr/sbin/ctr-image /usr/sbin/ctr-policy | sort -u)" = "755 root" ] &&
	[ "$(stat -c "%a %U %G" /var/lib/ctr-launch)" = "700 root root" ] &&
	[ -f /etc/ctr-launch/policy.ini ] && [ -f /etc/pam.d/ctr-launch ] &&
	/usr/sbin/ctr-policy check >/dev/null'
t "installed: the system user ctr-pull, no login, and ctr-image pull runs as it" bash -c '
	getent passwd ctr-pull | grep -q ":/nonexistent:/usr/sbin/nologin$" &&
	! out=$(/usr/sbin/ctr-image pull 127.0.0.1:1/none:latest 2>&1) &&
	echo "$out" && ! grep -q "ctr-pull is missing" <<<"$out" &&
	grep -q "127.0.0.1:1" <<<"$out"'
if command -v systemd-tmpfiles >/dev/null; then
	t "tmpfiles.d made /run/ctr-launch root 0700" \
	    test "$(stat -c '%a %U %G' /run/ctr-launch 2>&1)" = "700 root root"
else
	ok "tmpfiles.d made /run/ctr-launch # skip no systemd-tmpfiles on this host"
fi

# The plugin's package; make check-installed below runs tests/deb/spank.bats
# against it.  Which of its paths existed before (/etc/slurm...) is noted
# for the purge test.
for f in $(dpkg-deb -c "${SPANK1:-/nonexistent}" 2>/dev/null | awk '{print $6}' | sed 's,^\.,,; s,/$,,' | grep .); do
	if [ -e "$f" ] || [ -L "$f" ]; then echo "$f"; fi
done >"$TMP/spank.existing"
s=$SECONDS
if [ -n "$SPANK1" ] && out=$("${APT[@]}" install "$SPANK1" 2>&1 </dev/null); then
	ok "apt-get install ./$(basename "$SPANK1") ($((SECONDS - s)) s)"
else
	notok "apt-get install ./ctr-launch-spank_*.deb" "${out:-no .deb}"
fi
dpkg -L ctr-launch-spank >>"$TMP/pkgfiles" 2>/dev/null
dpkg -L ctr-launch-spank >"$TMP/spankfiles" 2>/dev/null
new_pkgs=$(dpkg-query -W -f '${Package}\n' | sort | comm -13 <(echo "$pkgs_before") - |
    grep -vx -e ctr-launch -e ctr-launch-spank)

# ---- smoke: a throwaway user runs busybox --------------------------------

# lib.bash against the installed package: CTL_ROOT empty, the real store.
export CTL_ROOT='' CTL_STORE=$STORE CTL_CREATED=$CREATED CTL_SRC=$SRC
# shellcheck source=tests/integration/lib.bash
. "$SRC/tests/integration/lib.bash"
TAG=$(ctl_tag)
U=dbu$TAG
ctl_useradd "$U" >/dev/null 2>&1
UHOME=/home/$U
ctl_policy <<'EOF'
; tests/deb/check.sh: the smoke test's policy (a local edit of the conffile)
[default]
images = busybox
binds = %h:%h
memory = 256M
pids = 64
EOF
t "ctr-image import of a busybox-static rootfs as busybox:latest" ctl_image_busybox
# The name as the store spells it (lib/imgref canonicalises it).
IMG=$(ctl_as "$U" "$BIN" images 2>&1)
if [[ $IMG == *busybox* && $IMG != *$'\n'* ]]; then
	ok "ctr-launch images lists it for the user ($IMG)"
else
	notok "ctr-launch images lists it for the user" "$IMG"
fi
out=$(as "$U" "$BIN" run busybox echo ok 2>&1)
if [ "$out" = ok ]; then ok "as $U: ctr-launch run busybox echo ok"; else notok "as $U: ctr-launch run busybox echo ok" "$out"; fi

# ---- the installed suites -------------------------------------------------

# From this tree, as make check runs its other suites (the clone is
# nobody's: root runs nothing from it).
mkf=(-f Makefile)
grep -q '^-*include debian/deb.mk' "$SRC/Makefile" || mkf+=(-f debian/deb.mk)
s=$SECONDS
if (cd "$SRC" && "$MAKE" -s "${mkf[@]}" check-installed >"$TMP/installed.log" 2>&1); then
	ok "make check-installed: $(tail -n 1 "$TMP/installed.log") ($((SECONDS - s)) s)"
else
	notok "make check-installed: $(tail -n 1 "$TMP/installed.log")" "$(grep -A15 '^not ok' "$TMP/installed.log")"
fi
T_INST=$((SECONDS - s))
t "check-installed put the policy back" grep -q "smoke test's policy" "$POLICY"
t "check-installed ran tests/deb/spank.bats" grep -q "^ok .* the plugin runs the packaged helper" "$TMP/installed.log"

# ---- the plugin's package: remove, purge ----------------------------------

# srun_help: srun --help, as nobody, with a slurm.conf whose plugstack is
# the system's (no daemon is contacted); stdout and stderr.
mkdir -m 0755 "$TMP/slurm"
printf '%s\n' 'ClusterName=ctldeb' 'SlurmctldHost=localhost(127.0.0.1)' \
    'PlugStackConfig=/etc/slurm/plugstack.conf' 'NodeName=localhost CPUs=1 State=UNKNOWN' \
    'PartitionName=debug Nodes=localhost Default=YES' >"$TMP/slurm/slurm.conf"
chmod 0644 "$TMP/slurm/slurm.conf"
srun_help() {
	env SLURM_CONF="$TMP/slurm/slurm.conf" setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups -- srun --help 2>&1
}
if out=$("${APT[@]}" remove ctr-launch-spank 2>&1 </dev/null); then
	ok "apt-get remove ctr-launch-spank"
else
	notok "apt-get remove ctr-launch-spank" "$out"
fi
t "remove deletes the plugin and the plugstack.conf.d symlink, keeps the conffile" bash -c '
	[ ! -e "$1" ] && [ ! -e "$2" ] && [ ! -L "$2" ] && [ -f "$3" ] &&
	dpkg-query -W -f "\${db:Status-Abbrev}" ctr-launch-spank | grep -q "^rc"' sh "$SO" "$SPANKLINK" "$SPANKCONF"
t "ctr-launch stays installed and runs" bash -c '
	dpkg-query -W -f "\${db:Status-Abbrev}" ctr-launch | grep -q "^ii" &&
	[ "$(stat -c "%a %U" /usr/bin/ctr-launch)" = "4755 root" ] && /usr/bin/ctr-launch version'
if ! command -v srun >/dev/null; then
	ok "srun works without the removed plugin # skip srun is not installed"
elif out=$(srun_help) && [[ $out == *--ntasks* && $out != *container-image* ]]; then
	ok "srun works without the removed plugin: no required line left for it"
else
	notok "srun works without the removed plugin: no required line left for it" "$out"
fi
if out=$("${APT[@]}" purge ctr-launch-spank 2>&1 </dev/null); then
	ok "apt-get purge ctr-launch-spank"
else
	notok "apt-get purge ctr-launch-spank" "$out"
fi
t "purge leaves nothing of the plugin's package, and ctr-launch in place" bash -c '
	while read -r f; do
		case $f in "" | /.) continue ;; esac
		if grep -qxF "$f" "$2"; then
			[ -e "$f" ] || { echo "$f existed before, gone"; exit 1; }
		elif [ -e "$f" ] || [ -L "$f" ]; then
			echo "$f left"; exit 1
		fi
	done <"$1"
	[ ! -e /etc/ctr-launch/plugstack.conf ] && [ -f /etc/ctr-launch/policy.ini ] &&
	! ls /var/lib/dpkg/info/ctr-launch-spank.* 2>/dev/null &&
	! dpkg-query -W ctr-launch-spank 2>/dev/null | grep -q . &&
	dpkg-query -W -f "\${db:Status-Abbrev}" ctr-launch | grep -q "^ii"' sh "$TMP/spankfiles" "$TMP/spank.existing"

# make install-spank and make uninstall in the clone, as nobody, into a
# DESTDIR: uninstall removes the plugin, the snippet and SPANKDIR, and
# leaves another installation's snippet alone.
DD=$TMP/destdir
mkdir -m 0755 "$DD" && chown nobody:nogroup "$DD"
spank_dirs="SPANKDIR=/usr/local/lib/ctr-launch PLUGSTACKDIR=/etc/slurm/plugstack.conf.d"
# shellcheck disable=SC2086 # the variables are meant to split
if out=$(nobody_make -s DESTDIR="$DD" $spank_dirs install-spank 2>&1) &&
    [ -f "$DD/usr/local/lib/ctr-launch/ctr_launch.so" ] &&
    [ "$(cat "$DD$SPANKLINK")" = "required /usr/local/lib/ctr-launch/ctr_launch.so" ]; then
	ok "make install-spank DESTDIR=...: the plugin and the snippet"
else
	notok "make install-spank DESTDIR=...: the plugin and the snippet" "$out"
fi
# shellcheck disable=SC2086
out=$(nobody_make -s DESTDIR="$DD" $spank_dirs uninstall 2>&1)
teq "make uninstall removes them and the plugin's directory" "" \
    find "$DD" -mindepth 1 ! -type d -o -path "$DD/usr/local/lib/ctr-launch"
# shellcheck disable=SC2086
nobody_make -s DESTDIR="$DD" $spank_dirs install-spank >/dev/null 2>&1
echo "required /usr/lib/ctr-launch/ctr_launch.so" >"$DD$SPANKLINK"
# shellcheck disable=SC2086
nobody_make -s DESTDIR="$DD" $spank_dirs uninstall-spank >/dev/null 2>&1
t "make uninstall-spank leaves a snippet naming another installation's plugin" bash -c '
	[ ! -e "$1/usr/local/lib/ctr-launch/ctr_launch.so" ] &&
	[ "$(cat "$1$2")" = "required /usr/lib/ctr-launch/ctr_launch.so" ]' sh "$DD" "$SPANKLINK"
rm -rf "$DD"

# ---- upgrade while a container runs --------------------------------------

# A higher version whose policy.ini differs from the installed one, which
# was edited locally: --force-confold keeps the edit, the new one becomes
# policy.ini.dpkg-dist.
V2=${ch_version}+1
{
	printf 'ctr-launch (%s) unstable; urgency=medium\n\n' "$V2"
	printf '  * tests/deb/check.sh: the upgrade test.\n\n'
	printf ' -- ctr-launch developers <dev@ctr-launch.invalid>  %s\n\n' "$(date -R)"
	cat "$CLONE/debian/changelog"
} >"$TMP/changelog" && cp "$TMP/changelog" "$CLONE/debian/changelog"
echo '; upgrade test' >>"$CLONE/etc/policy.ini"
s=$SECONDS
if nobody_make deb >"$TMP/build2.log" 2>&1; then
	ok "make deb of $V2 ($((SECONDS - s)) s)"
else
	notok "make deb of $V2" "$(cat "$TMP/build2.log")"
fi
mkdir "$TMP/v2"
cp "$CLONE"/build/deb/ctr-launch_*.deb "$TMP/v2/" 2>/dev/null
chmod -R a+rX "$TMP/v2"
debs=("$TMP"/v2/ctr-launch_"$V2"_*.deb)
DEB2=${debs[0]}
[ -e "$DEB2" ] || DEB2=

# A detached container too: the new ctr-launch must still reach its keeper.
t "a detached container runs before the upgrade" as "$U" "$BIN" run -d --name up busybox \
    sh -c 'while :; do sleep 1; done'
# The container waits for a file in the user's home (bound at %h).
as "$U" "$BIN" run busybox sh -c \
    "echo up >$UHOME/up; while [ ! -e $UHOME/stop ]; do sleep 0.2; done; echo done" \
    >"$TMP/long.out" 2>&1 </dev/null &
BG=$!
for _ in $(seq 150); do
	[ -e "$UHOME/up" ] && break
	sleep 0.2
done
t "a long-running container is up before the upgrade" test -e "$UHOME/up"
cp -p "$POLICY" "$TMP/policy.edited"
if [ -n "$DEB2" ] && out=$("${APT[@]}" -o Dpkg::Options::=--force-confold install "$DEB2" 2>&1 </dev/null); then
	ok "apt-get install ./$(basename "$DEB2") (upgrade, --force-confold)"
else
	notok "apt-get install ./ctr-launch_${V2}_*.deb (upgrade)" "${out:-no .deb}"
fi
t "dpkg has $V2; ctr-launch version says so" bash -c '
	[ "$(dpkg-query -W -f "\${Version}" ctr-launch)" = "$1" ] &&
	/usr/bin/ctr-launch version | grep -qF "$1"' sh "$V2"
t "the locally edited policy.ini is kept, the new one is policy.ini.dpkg-dist" bash -c '
	cmp -s "$1" /etc/ctr-launch/policy.ini &&
	grep -q "^; upgrade test" /etc/ctr-launch/policy.ini.dpkg-dist' sh "$TMP/policy.edited"
t "the helper is still 4755 root:root after the upgrade" \
    test "$(stat -c '%a %U %G' "$BIN")" = "4755 root root"
t "the container survived the upgrade" kill -0 "$BG"
out=$(as "$U" "$BIN" run busybox echo ok 2>&1)
if [ "$out" = ok ]; then ok "a new launch runs the upgraded helper"; else notok "a new launch runs the upgraded helper" "$out"; fi
touch "$UHOME/stop"
for _ in $(seq 150); do
	kill -0 "$BG" 2>/dev/null || break
	sleep 0.2
done
if kill -0 "$BG" 2>/dev/null; then
	notok "the container ends when told to" "$(cat "$TMP/long.out")"
	kill "$BG"
else
	wait "$BG"
	rc=$?
	if [ "$rc" = 0 ] && [ "$(cat "$TMP/long.out")" = "done" ]; then
		ok "the container ended cleanly after the upgrade (exit 0, its output intact)"
	else
		notok "the container ended cleanly after the upgrade (exit $rc)" "$(cat "$TMP/long.out")"
	fi
fi
BG=
teq "the detached container started before the upgrade still runs" up as "$U" "$BIN" ps -q
teq "the upgraded ctr-launch stops it" up as "$U" "$BIN" stop up
teq "and tells how it ended" 143 as "$U" "$BIN" wait up
t "and removes its record" as "$U" "$BIN" rm up
t "nothing of the user's left running" bash -c '! pgrep -u "$1"' sh "$U"

# ---- bash completion ------------------------------------------------------

t "bash: source etc/bash-completion/ctr-launch; complete -p ctr-launch" bash -c '
	source "$1/etc/bash-completion/ctr-launch" &&
	[ "$(complete -p ctr-launch)" = "complete -F _ctr_launch ctr-launch" ] &&
	[ "$(complete -p ctr-image)" = "complete -F _ctr_image ctr-image" ] &&
	[ "$(complete -p ctr-policy)" = "complete -F _ctr_policy ctr-policy" ]' sh "$CLONE"
t "installed for bash-completion's loader, ctr-image and ctr-policy linked" bash -c '
	cmp -s "$1/etc/bash-completion/ctr-launch" "$2/ctr-launch" &&
	[ "$(readlink "$2/ctr-image")" = ctr-launch ] &&
	[ "$(readlink "$2/ctr-policy")" = ctr-launch ]' sh "$CLONE" "$COMPL"
# complete USER WORD...: what the function offers for the last WORD, as
# USER, in a bash without bash-completion (one per line; stderr too).
complete_as() {
	local u=$1
	shift
	as "$u" env PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c '
		fn=_${1//-/_}
		source /usr/share/bash-completion/completions/"$1"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMPREPLY=()
		"$fn" "$1" "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}" || echo "status $?"
		printf "%s\n" "${COMPREPLY[@]}"' sh "$@" 2>&1
}
teq "ctr-launch ru<TAB> completes to run" run complete_as "$U" ctr-launch ru
teq "ctr-launch st<TAB> completes to stop" stop complete_as "$U" ctr-launch st
teq "ctr-launch exec -<TAB> offers exec's options" "-d
--detach
-i
--interactive
-t
--tty
-e
--env
--env-file
-w
--workdir
-u
--user
--help" complete_as "$U" ctr-launch exec -
teq "ctr-launch ps -<TAB> offers ps's options" "-a
--all
-q
--quiet
-n
--last
-l
--latest
-f
--filter
--format
--no-trunc
--raw
--all-users
--help" complete_as "$U" ctr-launch ps -
teq "ctr-launch po<TAB> completes to port" port complete_as "$U" ctr-launch po
teq "ctr-launch kill -s <TAB> offers signals" "TERM
KILL
HUP
INT
QUIT
USR1
USR2" complete_as "$U" ctr-launch kill -s ''
teq "ctr-image pu<TAB> completes to pull" pull complete_as root ctr-image pu
teq "ctr-launch run <TAB> offers the user's images (ctr-launch images)" \
    "$IMG" complete_as "$U" ctr-launch run ''
teq "ctr-launch run ${IMG%:*}:<TAB> offers the tag (':' is a word break)" \
    "${IMG##*:}" complete_as "$U" ctr-launch run "${IMG%:*}" :
teq "ctr-launch run -it --network <TAB> offers host, private and none" "host
private
none" complete_as "$U" ctr-launch run -it --network ''
teq "ctr-launch run busybox <TAB> offers nothing (the container's command)" \
    "" complete_as "$U" ctr-launch run busybox ''
teq "ctr-image rm <TAB> offers the store's images (root)" \
    "$("$IMAGETOOL" list | awk 'NR > 1 {print $1}')" complete_as root ctr-image rm ''
teq "ctr-image inspect <TAB> as a user: no store listing, no error" \
    "" complete_as "$U" ctr-image inspect ''
teq "ctr-policy <TAB> offers check explain edit version --help --version" "check
explain
edit
version
--help
--version" complete_as "$U" ctr-policy ''

# ---- dpkg-statoverride ----------------------------------------------------

G=dbg$TAG
M=dbm$TAG
ctl_groupadd "$G"
ctl_useradd "$M" -G "$G" >/dev/null 2>&1
t "dpkg-statoverride --update --add root $G 4754 $BIN" \
    dpkg-statoverride --update --add root "$G" 4754 "$BIN"
t "the helper is now 4754 root:$G" test "$(stat -c '%a %U %G' "$BIN")" = "4754 root $G"
out=$(as "$U" sh -c "$BIN version" 2>&1)
rc=$?
if [ "$rc" = 126 ] && [[ $out == *"Permission denied"* ]]; then
	ok "a non-member gets Permission denied (exit 126 from the shell)"
else
	notok "a non-member gets Permission denied (exit 126 from the shell): exit $rc" "$out"
fi
teq "completion copes with the refusal: nothing offered, no error" \
    "" complete_as "$U" ctr-launch run ''
teq "a member runs ctr-launch version" "ctr-launch $V2" as "$M" "$BIN" version
out=$(as "$M" "$BIN" run busybox echo ok 2>&1)
if [ "$out" = ok ]; then ok "a member of $G runs busybox"; else notok "a member of $G runs busybox" "$out"; fi
if out=$("${APT[@]}" -o Dpkg::Options::=--force-confold install --reinstall "$DEB2" 2>&1 </dev/null); then
	ok "apt-get install --reinstall"
else
	notok "apt-get install --reinstall" "$out"
fi
t "the override survives the reinstall (4754 root:$G)" \
    test "$(stat -c '%a %U %G' "$BIN")" = "4754 root $G"
dpkg-statoverride --remove "$BIN"
"${APT[@]}" -o Dpkg::Options::=--force-confold install --reinstall "$DEB2" >/dev/null 2>&1 </dev/null
t "without the override a reinstall restores 4755 root:root" \
    test "$(stat -c '%a %U %G' "$BIN")" = "4755 root root"

# ---- remove, purge --------------------------------------------------------

bash "$SRC/tests/integration/cleanup.sh" "$TMP"
# A detached container running at the removal is stopped (prerm): its
# keeper would outlive the programs that serve it.
R=dbr$TAG
ctl_useradd "$R" >/dev/null 2>&1
t "a detached container runs before the removal" as "$R" "$BIN" run -d --name rmlab busybox \
    sh -c 'while :; do sleep 1; done'
RK=$(sed -n 's/^keeper=//p' "/run/ctr-launch/c/u$(id -u "$R")/rmlab/info" 2>/dev/null)
if out=$("${APT[@]}" remove ctr-launch 2>&1 </dev/null); then ok "apt-get remove ctr-launch"; else notok "apt-get remove ctr-launch" "$out"; fi
t "remove stopped the detached container: no process of its user, its keeper gone" bash -c '
	[ -n "$2" ] || exit 1
	for _ in $(seq 100); do kill -0 "$2" 2>/dev/null || break; sleep 0.2; done
	! kill -0 "$2" 2>/dev/null && ! pgrep -u "$1"' sh "$R" "$RK"
t "remove said so" grep -q "stopping the detached containers" <<<"$out"
t "remove keeps the store, its images, the policy and /run/ctr-launch" bash -c '
	[ ! -e /usr/bin/ctr-launch ] && [ ! -e /usr/sbin/ctr-image ] &&
	[ -n "$(ls -A /var/lib/ctr-launch/images)" ] &&
	[ "$(stat -c "%a %U" /var/lib/ctr-launch)" = "700 root" ] &&
	[ -f /etc/ctr-launch/policy.ini ] && [ -f /etc/pam.d/ctr-launch ] &&
	{ ! command -v systemd-tmpfiles >/dev/null || [ -d /run/ctr-launch ]; } &&
	dpkg-query -W -f "\${db:Status-Abbrev}" ctr-launch | grep -q "^rc"'
if out=$("${APT[@]}" purge ctr-launch 2>&1 </dev/null); then ok "apt-get purge ctr-launch"; else notok "apt-get purge ctr-launch" "$out"; fi
t "purge deletes the store, the runtime state, the configuration and the user ctr-pull" bash -c '
	for p in /var/lib/ctr-launch /run/ctr-launch /etc/ctr-launch /etc/pam.d/ctr-launch \
	    /usr/lib/tmpfiles.d/ctr-launch.conf /usr/share/bash-completion/completions/ctr-launch; do
		[ ! -e "$p" ] || { echo "$p left"; exit 1; }
	done
	! ls /var/lib/dpkg/info/ctr-launch.* 2>/dev/null &&
	! dpkg-query -W ctr-launch 2>/dev/null | grep -q . &&
	! getent passwd ctr-pull && ! getent group ctr-pull'
# Dependencies apt-get pulled in for the package go too.
if [ -n "$new_pkgs" ]; then
	# shellcheck disable=SC2086
	"${APT[@]}" purge $new_pkgs >/dev/null 2>&1 </dev/null
fi

# What the run left: the snapshot, the users and groups it made, cgroups.
for p in /etc/ctr-launch /etc/pam.d/ctr-launch /run/ctr-launch "$SPANKLINK"; do
	if [ -e "$ASIDE$p" ]; then
		mv "$ASIDE$p" "$p"
	fi
done
snapshot >"$TMP/snap.after"
# Other test runs on a shared host come and go meanwhile: a difference
# counts when it is the package's (a path it shipped, a name of ours, a
# conffile backup) or this run's (its tag); any other is shown, not
# counted.
diff "$TMP/snap.before" "$TMP/snap.after" | grep '^[<>]' >"$TMP/snap.diff"
sed 's/$/ /' "$TMP/pkgfiles" >"$TMP/pkgfiles.pat"
ours=$(grep -E "ctr-launch|ctr-image|ctr-policy|$TAG|\.dpkg-[a-z]+ " "$TMP/snap.diff"
    grep -F -f "$TMP/pkgfiles.pat" "$TMP/snap.diff")
if [ -z "$ours" ]; then
	ok "purge left nothing: /etc, /usr, /var/lib, /run, statoverrides as before"
else
	notok "purge left nothing: /etc, /usr, /var/lib, /run, statoverrides as before" \
	    "$(sort -u <<<"$ours")"
fi
others=$(grep -cvxF -f <(printf '%s\n' "${ours:-/nothing/}") "$TMP/snap.diff")
if [ "$others" -gt 0 ]; then
	note "$others other differences, not this run's (another test run on this host?):"
	grep -vxF -f <(printf '%s\n' "${ours:-/nothing/}") "$TMP/snap.diff" |
	    head -n 10 | sed 's/^/#   /'
fi
t "the installed package set is as before" \
    diff <(echo "$pkgs_before") <(dpkg-query -W -f '${Package}\n' | sort)
t "the run's throwaway users, groups and homes are gone" bash -c '
	for u in "$@"; do
		! getent passwd "$u" && ! getent group "$u" && [ ! -e "/home/$u" ] || exit 1
	done' sh "$U" "$M" "$G"

note "times: build $T_BUILD s, lintian $T_LINT s, installed suites $T_INST s, deb phase $((SECONDS - T0)) s"
finish_counts
