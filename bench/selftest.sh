#!/bin/bash
# selftest.sh MEASURE: negative tests of the timer's invariants
# (bench/measure.c).  Each check would fail if its invariant broke.
# Prints "selftest: N passed, N failed"; exits non-zero on any failure.
set -u
M=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
pass=0
fail=0
check() { # NAME CONDITION-RESULT
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "selftest: FAIL: $1" >&2
	fi
}
spec() { # NAME ARGV... -> one spec line on stdout
	local IFS=$'\t'
	local n=$1
	shift
	echo "$n	-	-	/	PATH=/usr/bin:/bin	$*"
}

# A failing launch is counted as failed and contributes no time.
spec bad /bin/sh -c 'echo why >&2; exit 3' >"$d/s1"
out=$("$M" seq -n 4 -w 0 "$d/s1")
IFS=$'\t' read -r _ ok nfail med _ _ _ _ err <<<"$out"
[ "$ok" = 0 ] && [ "$nfail" = 4 ] && [ "$med" = 0 ] && [ "$err" = "exit 3: why" ]
check "failing launch counted as failed, with its stderr" $?

# A launch killed by a signal is a failure.
spec killed /bin/sh -c 'kill -KILL $$' >"$d/s2"
out=$("$M" seq -n 2 -w 0 "$d/s2")
IFS=$'\t' read -r _ ok nfail _ <<<"$out"
[ "$ok" = 0 ] && [ "$nfail" = 2 ]
check "killed launch counted as failed" $?

# A launch outliving the timeout is a failure and is killed.
spec slow /bin/sleep 30 >"$d/s3"
t0=$(date +%s)
out=$("$M" seq -n 1 -w 0 -t 1 "$d/s3")
t1=$(date +%s)
IFS=$'\t' read -r _ ok nfail _ _ _ _ _ err <<<"$out"
[ "$ok" = 0 ] && [ "$nfail" = 1 ] && [ $((t1 - t0)) -lt 10 ] &&
    [[ $err == timeout* ]]
check "timeout counted as failed and killed" $?

# The peak RSS covers an orphaned grandchild (child subreaper).
spec orphan /bin/sh -c '(python3 -c "b = bytearray(96 << 20); b[::4096] = b\"x\" * len(b[::4096])" &) ; exit 0' >"$d/s4"
out=$("$M" seq -n 1 -w 0 "$d/s4")
IFS=$'\t' read -r _ ok nfail _ _ _ _ rss _ <<<"$out"
[ "$ok" = 1 ] && [ "$rss" -ge $((90 * 1024)) ]
check "peak RSS includes orphaned descendants (got ${rss:-?} KiB)" $?

# No launch starts while the previous launch's orphan still runs.
spec overlap /bin/sh -c "test ! -e $d/busy || exit 9; (touch $d/busy; sleep 0.2; rm -f $d/busy) & exit 0" >"$d/s5"
out=$("$M" seq -n 3 -w 0 "$d/s5")
IFS=$'\t' read -r _ ok nfail _ <<<"$out"
[ "$ok" = 3 ] && [ "$nfail" = 0 ]
check "seq launches never overlap a previous launch's processes" $?

# Interleaving: both commands run in every round, times are positive.
{ spec a /bin/true; spec b /bin/sh -c 'sleep 0.01'; } >"$d/s6"
out=$("$M" seq -n 3 -w 1 "$d/s6")
a=$(echo "$out" | awk -F'\t' '$1 == "a" {print $2, $4}')
b=$(echo "$out" | awk -F'\t' '$1 == "b" {print $2, $4}')
[ "${a%% *}" = 3 ] && [ "${b%% *}" = 3 ] && [ "${b#* }" -ge 10000 ] &&
    [ "${a#* }" -lt "${b#* }" ]
check "interleaved commands each timed ($a / $b)" $?

# Rate mode keeps two launches in flight: 4 x 0.2 s in about 0.4 s.
spec nap /bin/sleep 0.2 >"$d/s7"
out=$("$M" rate -n 4 -j 2 "$d/s7")
wall=$(echo "$out" | cut -f5)
awk -v w="$wall" 'BEGIN { exit !(w >= 0.39 && w < 0.7) }'
check "two parallel streams (wall ${wall}s for 4 x 0.2 s)" $?

# %n expands to a string unique to each launch.
spec uniq /bin/sh -c "mkdir $d/u-%n" >"$d/s8"
"$M" seq -n 3 -w 1 "$d/s8" >/dev/null
[ "$(ls -d "$d"/u-* | wc -l)" = 4 ]
check "%n unique per launch" $?

# -r appends one raw line per recorded launch (not per warm-up), failures
# marked, so passes can be pooled (bench/pool.py).
{ spec ok /bin/true; spec no /bin/false; } >"$d/s9"
"$M" seq -n 2 -w 1 -r "$d/raw" "$d/s9" >/dev/null
"$M" seq -n 1 -w 0 -r "$d/raw" "$d/s9" >/dev/null
pooled=$(python3 "$(dirname "$0")/pool.py" c "$d/raw")
[ "$(grep -c '^ok	[0-9]' "$d/raw")" = 3 ] && [ "$(grep -c '^no	FAIL' "$d/raw")" = 3 ] &&
    echo "$pooled" | grep -q '^c	ok	3	0	' && echo "$pooled" | grep -q '^c	no	0	3	'
check "raw lines per recorded launch, pooled across passes" $?

# "%<N:PATH" opens PATH on descriptor N and is no argument; a missing
# PATH fails the launch.
echo hello >"$d/in"
{ spec fd /bin/sh -c 'test "$(cat <&9)" = hello && test "$0" = x' "%<9:$d/in" x
  spec nofd /bin/sh -c 'exit 0' "%<9:$d/missing"; } >"$d/s10"
out=$("$M" seq -n 1 -w 0 "$d/s10")
[ "$(echo "$out" | awk -F'\t' '$1 == "fd" {print $2}')" = 1 ] &&
    [ "$(echo "$out" | awk -F'\t' '$1 == "nofd" {print $3}')" = 1 ]
check "descriptor redirection, and its failure" $?

# -e keeps each recorded launch's stderr between spawn and end stamps;
# warm-up launches leave no file.
mkdir "$d/e"
spec say /bin/sh -c 'echo said >&2' >"$d/s11"
"$M" seq -n 2 -w 1 -e "$d/e" "$d/s11" >/dev/null
[ "$(ls "$d/e" | wc -l)" = 2 ] &&
    grep -q '^ctr-launch-trace: spawn [0-9.]*$' "$d/e/marks.1" &&
    [ "$(sed -n 2p "$d/e/marks.1")" = said ] &&
    grep -q '^ctr-launch-trace: end [0-9.]*$' "$d/e/marks.2"
check "stderr kept per recorded launch between stamps" $?

# -o rotates the order: each command leads one round in turn.
{ spec a /bin/true; spec b /bin/true; spec c /bin/true; } >"$d/s12"
"$M" seq -n 3 -w 0 -o -r "$d/raw12" "$d/s12" >/dev/null
order=$(cut -f1 "$d/raw12" | tr -d '\n')
[ "$order" = abcbcacab ]
check "-o rotates the order of each round ($order)" $?

# -p pauses before each launch, outside the timed span.
spec t /bin/true >"$d/s13"
t0=$(date +%s%N)
out=$("$M" seq -n 3 -w 1 -p 200 "$d/s13")
t1=$(date +%s%N)
IFS=$'\t' read -r _ ok _ med _ <<<"$out"
[ "$ok" = 3 ] && [ "$med" -lt 100000 ] && [ $(((t1 - t0) / 1000000)) -ge 800 ]
check "-p pauses before each launch, untimed (median $med us)" $?

echo "selftest: $pass passed, $fail failed"
[ "$fail" = 0 ]
