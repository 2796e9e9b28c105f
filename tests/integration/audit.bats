#!/usr/bin/env bats
# The audit trail, captured for real: the helper runs in a private mount
# namespace whose /dev is a copy with a datagram listener bound at
# /dev/log (glibc's fixed path), and the test reads what syslog(3) sent.

load lib

setup_file() {
	export TAG
	TAG=$(ctl_tag)
	export AU=au$TAG AN=an$TAG
	ctl_useradd "$AU"
	ctl_useradd "$AN"
	export AUID
	AUID=$(id -u "$AU")
	ctl_image_busybox
	mkdir -p "/home/$AU/data dir"
	chown "$AU" "/home/$AU/data dir"
	ctl_policy <<-EOF
	[default]
	images = busybox
	binds = %h:%h
	user_binds = %h
	cpus = 0.5
	memory = 256M
	pids = 64
	[user:$AN]
	deny = yes
	EOF
}

teardown_file() {
	ctl_userdel "$AU"
	ctl_userdel "$AN"
}

# as USER: the command prefix that becomes USER, as ctl_as does.
as() {
	echo setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups -- \
	    env -i PATH=/usr/bin:/bin HOME="/home/$1"
}

@test "audit: a granted launch logs grant and end, key=value, one line each" {
	log=$BATS_TEST_TMPDIR/log
	run with_log "$log" $(as "$AU") "$CTL_BIN" run --name aud1 \
	    -v "/home/$AU/data dir:/data" busybox sh -c 'exit 3'
	cat "$log"
	[ "$status" -eq 3 ]
	grant=$(grep 'event=grant' "$log")
	[ "$(echo "$grant" | wc -l)" -eq 1 ]
	[[ $grant == *"ctr-launch["*"]: user=\"$AU\" uid=$AUID event=grant name=\"aud1\" image=\"busybox:latest\" digest=\"sha256:"* ]]
	[[ $grant == *" cpus=0.5 memory=268435456 pids=64 seccomp=default "* ]]
	[[ $grant == *"binds=\"/home/$AU:/home/$AU:rw,/home/$AU/data dir:/data:rw\""* ]]
	# LOG_AUTHPRIV | LOG_INFO
	[[ $grant == "<86>"* ]]
	end=$(grep 'event=end' "$log")
	[[ $end == *"user=\"$AU\" uid=$AUID event=end name=\"aud1\" status=3 "*" runtime="*s ]]
	# grant before end
	[ "$(grep -n 'event=grant' "$log" | cut -d: -f1)" -lt "$(grep -n 'event=end' "$log" | cut -d: -f1)" ]
}

@test "audit: a container killed by a signal ends with status and signal" {
	log=$BATS_TEST_TMPDIR/log
	run with_log "$log" $(as "$AU") "$CTL_BIN" run --name aud2 busybox sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	grep -q 'event=end name="aud2" status=137 signal=9 .*runtime=' "$log"
}

@test "audit: a policy denial is logged before the error line" {
	log=$BATS_TEST_TMPDIR/log
	run with_log "$log" $(as "$AN") "$CTL_BIN" run busybox true
	[ "$status" -eq 125 ]
	grep -q "user=\"$AN\" uid=$(id -u "$AN") event=deny reason=" "$log"
	! grep -q 'event=grant' "$log" || false
}

@test "audit: a limit denial names the limit" {
	log=$BATS_TEST_TMPDIR/log
	run with_log "$log" $(as "$AU") "$CTL_BIN" run --memory 1G busybox true
	[ "$status" -eq 125 ]
	grep 'event=deny' "$log" | grep -q 'memory'
	! grep -q 'event=grant' "$log" || false
}

@test "audit: a PAM denial is logged" {
	cp -p "$CTL_PAMD/ctr-launch" "$BATS_TEST_TMPDIR/pam.saved"
	printf 'account required pam_deny.so\nsession required pam_permit.so\n' \
	    >"$CTL_PAMD/ctr-launch"
	log=$BATS_TEST_TMPDIR/log
	run with_log "$log" $(as "$AU") "$CTL_BIN" run busybox true
	cp -p "$BATS_TEST_TMPDIR/pam.saved" "$CTL_PAMD/ctr-launch"
	[ "$status" -eq 125 ]
	grep -q "user=\"$AU\" uid=$AUID event=deny reason=\"refused by PAM (account): " "$log"
	! grep -q 'event=grant' "$log" || false
}

@test "audit: nothing from the caller's environment is logged" {
	log=$BATS_TEST_TMPDIR/log
	run with_log "$log" setpriv --reuid="$AU" --regid="$(id -g "$AU")" \
	    --init-groups -- env -i PATH=/usr/bin:/bin HOME=/home/zz9home \
	    USER=zz9user TERM=zz9term LANG=zz9lang SECRET=zz9secret \
	    "$CTL_BIN" run -e SECRET busybox true
	[ "$status" -eq 0 ]
	grep -q 'event=grant' "$log"
	! grep -q zz9 "$log" || false
}

# end_value LINE KEY: the bare value of KEY in an end line.
end_value() {
	sed -nE "s/.* $2=([0-9.]+)s?( .*|$)/\1/p" <<<"$1"
}

@test "audit: the end line reports what the container used (CPU, peak memory, pids, OOM kills)" {
	log=$BATS_TEST_TMPDIR/log
	run with_log "$log" $(as "$AU") "$CTL_BIN" run --name aud3 busybox sh -c \
	    'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done
	     head -c 24m /dev/zero >/dev/shm/f; sleep 1 & sleep 1 & wait; true'
	cat "$log"
	[ "$status" -eq 0 ]
	end=$(grep 'event=end' "$log")
	local cpu mem pids
	cpu=$(end_value "$end" cpu_user)
	mem=$(end_value "$end" memory_peak)
	pids=$(end_value "$end" pids_peak)
	echo "cpu_user=$cpu memory_peak=$mem pids_peak=$pids"
	[ -n "$cpu" ]
	awk -v c="$cpu" 'BEGIN { exit !(c > 0) }'
	[ -n "$mem" ]
	[ "$mem" -gt $((20 << 20)) ]
	[ -n "$pids" ]
	[ "$pids" -ge 3 ]
	[[ $end == *" oom_kills=0 "* ]]
	[[ $end == *" runtime="*s ]]
}

@test "audit: an OOM kill is counted in the end line" {
	log=$BATS_TEST_TMPDIR/log
	run with_log "$log" $(as "$AU") "$CTL_BIN" run --name aud4 --memory 32M \
	    busybox sh -c 'x=aaaaaaaa; while :; do x=$x$x; done'
	cat "$log"
	[ "$status" -eq 137 ]
	end=$(grep 'event=end' "$log")
	[ "$(end_value "$end" oom_kills)" -ge 1 ]
}
