#!/bin/bash
# make check-installed: the launch, policy, image and limits suites against
# the installed ctr-launch package, at its real paths: /usr/bin/ctr-launch,
# /usr/sbin/ctr-image and ctr-policy, /etc/ctr-launch/policy.ini,
# /etc/pam.d/ctr-launch, the store /var/lib/ctr-launch, /run/ctr-launch
# (tests/integration/lib.bash with CTL_ROOT empty); with ctr-launch-spank
# installed, tests/deb/spank.bats as well.
#
# The suites rewrite the policy and the PAM service: both are saved first
# and put back byte for byte, whatever happens.  The images the suites
# import are removed again; the throwaway users and groups they create go
# with tests/integration/cleanup.sh.  A helper restricted with
# dpkg-statoverride to a group is run by the suites' users as members of
# that group.
#
# Usage: tests/deb/installed.sh [GLOB]   (root; from the source tree)
# Ends with "installed: N passed, N failed, N skipped"; appends
# "PASS FAIL" to $CTL_COUNTS when set.
set -u
cd "$(dirname "$0")/../.." || exit 1
suites=${1:-tests/integration/run.bats tests/integration/policy.bats
tests/integration/image.bats tests/integration/limits.bats}
# The Slurm plugin's package, when it is installed too.
if [ -z "${1:-}" ] &&
    dpkg-query -W -f '${db:Status-Abbrev}' ctr-launch-spank 2>/dev/null | grep -q '^ii'; then
	suites="$suites tests/deb/spank.bats"
fi

die() {
	echo "check-installed: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (the suites create throwaway users)"
dpkg-query -W -f '${db:Status-Abbrev}' ctr-launch 2>/dev/null | grep -q '^ii' ||
    die "the ctr-launch package is not installed (make deb, then apt-get install ./build/deb/ctr-launch_*.deb)"
for c in bats cc python3 setpriv /bin/busybox; do
	command -v "$c" >/dev/null || die "$c missing (make deps)"
done

policy=/etc/ctr-launch/policy.ini
pam=/etc/pam.d/ctr-launch
imagetool=/usr/sbin/ctr-image
scratch=$(mktemp -d /var/tmp/ctl-installed.XXXXXX) || exit 1

# save FILE: keep a copy (mode, owner, bytes) in $scratch, or note its
# absence; restore FILE puts back exactly that.
save() {
	local k=${1//\//%}
	if [ -e "$1" ]; then cp -a "$1" "$scratch/$k"; else : >"$scratch/$k.absent"; fi
}
restore() {
	local k=${1//\//%}
	if [ -e "$scratch/$k" ]; then
		cp -a "$scratch/$k" "$1.ctl-restore" && mv -f "$1.ctl-restore" "$1"
	elif [ -e "$scratch/$k.absent" ]; then
		rm -f "$1"
	fi
}
images() {
	"$imagetool" list 2>/dev/null | awk 'NR > 1 {print $1}' | sort
}

save "$policy"
save "$pam"
images >"$scratch/images.before"

finish() {
	bash tests/integration/cleanup.sh "$scratch"
	restore "$policy"
	restore "$pam"
	# Only the images this run added; gc frees their layers alone.
	images | comm -13 "$scratch/images.before" - | xargs -r "$imagetool" rm >/dev/null
	"$imagetool" gc >/dev/null 2>&1
	rm -rf "$scratch"
}
trap finish EXIT
trap 'exit 130' INT TERM

export CTL_ROOT=
export CTL_STORE=/var/lib/ctr-launch
export CTL_CREATED=$scratch/created
export CTL_SRC=$PWD
# A restricted helper (dpkg-statoverride, README): its group runs it.
grp=$(dpkg-statoverride --list /usr/bin/ctr-launch 2>/dev/null | awk '{print $2}')
if [ -n "$grp" ] && [ "$grp" != root ]; then
	export CTL_EXEC_GROUP=$grp
	echo "# /usr/bin/ctr-launch is restricted to group $grp: the suites' users" \
	    "join it (policy.bats' explain test then sees one group more)"
fi

out=$scratch/tap
# shellcheck disable=SC2086 # the list is meant to split
bats --tap $suites | tee "$out"
skip=$(grep -c '^ok .*# skip' "$out")
pass=$(($(grep -c '^ok ' "$out") - skip))
fail=$(grep -c '^not ok ' "$out")
# bats that could not even start its suites counts as a failure.
[ "$pass" -gt 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "installed: $pass passed, $fail failed, $skip skipped"
[ -n "${CTL_COUNTS:-}" ] && echo "$pass $fail" >>"$CTL_COUNTS"
[ "$fail" = 0 ]
