#!/usr/bin/env bats
# Login sessions: ctr-launch-shell as the passwd shell of throwaway users,
# reached through a real OpenSSH sshd (the system's PAM stack for sshd,
# UsePAM yes) on 127.0.0.1, started here and stopped by pid.  The sshd
# runs where /dev/log is a listener of this suite, so the audit lines of
# the helper (and of sshd) can be read back.
#
# Properties (helper/login.c, helper/loginargs.c, helper/transfer.c):
# an interactive login and every command land in the container; the
# exit status comes back; scp, scp -O, sftp and rsync are byte-exact in
# each transfer mode; nothing runs on the host (shell rc files, ~/.ssh/rc);
# login = no, a PAM denial of ctr-launch's service and an expired account
# get nothing; transfer = host runs only exact transfer shapes; a dropped
# connection ends the container; chsh fails; forwarding is refused.

load lib

bats_require_minimum_version 1.5.0

SSHD=/usr/sbin/sshd

setup_file() {
	[ -x "$SSHD" ] || skip "openssh-server is not installed"
	export TAG
	TAG=$(ctl_tag)
	export D=$CTL_ROOT/login-$TAG
	export G=lg$TAG
	export UC=lc$TAG UH=lh$TAG UD=ld$TAG UN=ln$TAG UP=lp$TAG UE=le$TAG
	export UB=lb$TAG UI=li$TAG
	export SHELLBIN=$CTL_ROOT/usr/bin/ctr-launch-shell
	install -d -m 0755 "$D" "$D/keys"
	install -d -m 1777 "$D/markers"
	ctl_groupadd "$G"
	for u in $UC $UH $UD $UN $UP $UE $UB $UI; do
		ctl_useradd "$u" -G "$G"
		usermod -s "$SHELLBIN" "$u"
	done
	ssh-keygen -q -t ed25519 -N '' -f "$D/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$D/userkey"
	for u in $UC $UH $UD $UN $UP $UE $UB $UI; do
		install -m 0644 "$D/userkey.pub" "$D/keys/$u"
	done
	ctl_image_busybox
	login_image
	ctl_policy <<-EOF
	[default]
	images = busybox, loginimg
	binds = %h:%h
	user_binds = %h
	network = host

	[group:$G]
	login = yes
	login_image = loginimg
	login_shell = /bin/sh -l

	[user:$UH]
	transfer = host
	memory = 300M
	pids = 40
	max_containers = 1

	[user:$UD]
	transfer = deny

	[user:$UN]
	login = no

	[user:$UB]
	login_image = busybox

	[user:$UI]
	login_image = notgranted:1
	EOF
	export SAVED=$D/pam-ctr-launch.saved
	cp -p "$CTL_PAMD/ctr-launch" "$SAVED"
	echo "$UP" >"$D/pam-deny"
	{
		echo "account required pam_listfile.so onerr=fail item=user sense=deny file=$D/pam-deny"
		cat "$SAVED"
	} >"$CTL_PAMD/ctr-launch"
	start_sshd
}

teardown_file() {
	[ -n "${D:-}" ] || return 0
	stop_sshd
	[ -e "${SAVED:-/nonexistent}" ] && cp -p "$SAVED" "$CTL_PAMD/ctr-launch"
	for u in $UC $UH $UD $UN $UP $UE $UB $UI; do
		ctl_userdel "$u"
	done
	getent group "$G" >/dev/null && groupdel "$G"
	[ -e "$D/made-run-sshd" ] && rmdir /run/sshd 2>/dev/null
	rm -rf "$D"
}

# login_image: busybox plus the host's sftp-server, scp and rsync with
# the libraries they load, as loginimg:latest.
login_image() {
	if "$CTL_IMAGETOOL" list 2>/dev/null | awk '{print $1}' | grep -qx loginimg:latest; then
		return 0
	fi
	local d
	d=$(mktemp -d)
	ctl_rootfs "$d/root"
	for b in /usr/lib/openssh/sftp-server /usr/bin/scp /usr/bin/rsync; do
		for f in $b $(ldd "$b" | grep -o '/[^ ]*'); do
			mkdir -p "$d/root${f%/*}"
			cp -L "$f" "$d/root$f"
		done
	done
	tar -C "$d/root" -cf "$d/rootfs.tar" .
	"$CTL_IMAGETOOL" import --quiet --name loginimg:latest "$d/rootfs.tar"
	rm -rf "$d"
}

free_port() {
	local p
	for p in 2222 $(seq 22220 22299); do
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

start_sshd() {
	export PORT
	PORT=$(free_port)
	# sshd's privilege-separation directory; removed at the end if made here.
	if [ ! -d /run/sshd ]; then
		install -d -m 0755 /run/sshd
		touch "$D/made-run-sshd"
	fi
	cat >"$D/sshd_config" <<-EOF
	ListenAddress 127.0.0.1
	Port $PORT
	HostKey $D/hostkey
	PidFile $D/sshd.pid
	UsePAM yes
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin no
	AuthorizedKeysFile $D/keys/%u
	Subsystem sftp /usr/lib/openssh/sftp-server
	EOF
	sed "s/^Match Group ctr-login\$/Match Group $G/" \
	    "$CTL_ROOT/etc/ctr-launch/sshd-login.conf" >>"$D/sshd_config"
	grep -q "^Match Group $G\$" "$D/sshd_config"
	"$SSHD" -t -f "$D/sshd_config"
	: >"$D/log"
	# /dev with a /dev/log of ours, private to sshd and its sessions.
	unshare -m --propagation private bash -s "$D" "$SSHD" "$CTL_SRC" <<-'EOS' &
	set -e
	D=$1 SSHD=$2
	dev=$D/dev
	mkdir -p "$dev"
	bash "$3/tests/integration/devlog.sh" "$dev" "$D/log" >"$D/listener.pid"
	mount --move "$dev" /dev
	exec "$SSHD" -D -f "$D/sshd_config" -E "$D/sshd.log"
	EOS
	echo $! >"$D/unshare.pid"
	for _ in $(seq 100); do
		[ -s "$D/sshd.pid" ] && ss -Htln "sport = :$PORT" | grep -q . && return 0
		sleep 0.1
	done
	echo "sshd did not start" >&2
	cat "$D/sshd.log" >&2
	return 1
}

stop_sshd() {
	local p
	for f in sshd.pid listener.pid; do
		p=$(cat "$D/$f" 2>/dev/null) || continue
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	p=$(cat "$D/unshare.pid" 2>/dev/null) || return 0
	for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
}

# sshc USER [ssh args...]: the real ssh client, as root, to USER.
sshc() {
	local u=$1
	shift
	ssh -F /dev/null -i "$D/userkey" -p "$PORT" -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel=ERROR -l "$u" "$@"
}

sshopts() {
	echo -F /dev/null -i "$D/userkey" -P "$PORT" -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel=ERROR
}

@test "login: a command runs in the container, its status comes back" {
	run sshc "$UC" 127.0.0.1 'hostname; id -u; pwd; grep -c . /proc/1/status >/dev/null && readlink /proc/1/exe; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" != "$(hostname)" ]
	[ "${lines[1]}" = "$(id -u "$UC")" ]
	[ "${lines[2]}" = "/home/$UC" ]
	run sshc "$UC" 127.0.0.1 'exit 3'
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	# Not one byte of ctr-launch's on stdout, nor a relay in between:
	# the command's stdout is sshd's pipe itself.
	[ "$(sshc "$UC" 127.0.0.1 true 2>/dev/null | wc -c)" = 0 ]
	run sshc "$UC" 127.0.0.1 'readlink /proc/self/fd/1'
	[[ $output == pipe:* ]]
}

@test "login: an interactive login through a pty lands in the container" {
	local s=lt$TAG out
	tmux new-session -d -s "$s" -x 200 -y 50 \
	    "ssh -F /dev/null -i $D/userkey -p $PORT -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -tt -l $UC 127.0.0.1; sleep 30"
	sleep 1
	tmux send-keys -t "$s" 'echo "H=$(hostname) U=$(id -u) G=$(id -G) T=$(tty)"; grep -E "^(NSpid|CapEff)" /proc/self/status' Enter
	for _ in $(seq 50); do
		out=$(tmux capture-pane -p -t "$s")
		# "CapEff:" only in the output, never in the echoed command.
		[[ $out == *CapEff:* ]] && break
		sleep 0.2
	done
	tmux send-keys -t "$s" 'exit' Enter
	sleep 0.5
	tmux kill-session -t "$s" 2>/dev/null || true
	echo "$out"
	[[ $out == *"H=$(printf %s "$UC")-"* ]]
	[[ $out == *"U=$(id -u "$UC") "* ]]
	[[ $out == *"G=$(id -G "$UC") "* ]]
	[[ $out == *"T=/dev/pts/0"* ]]
	[[ $out =~ CapEff:[[:space:]]+0000000000000000 ]]
}

# xfer USER TOOL: copies a 5 MiB random file to USER's home and back with
# TOOL (scp, scp-O, sftp, rsync); checksums must match.
xfer() {
	local u=$1 tool=$2 src=$D/src-$1 back=$D/back-$1-$2 h=/home/$1
	[ -e "$src" ] || head -c $((5 << 20)) /dev/urandom >"$src"
	rm -f "$back"
	# shellcheck disable=SC2046 # word splitting of the options is meant
	case $tool in
	scp)
		scp -q $(sshopts) "$src" "$u@127.0.0.1:f-$tool" &&
		    scp -q $(sshopts) "$u@127.0.0.1:f-$tool" "$back" ;;
	scp-O)
		scp -O -q $(sshopts) "$src" "$u@127.0.0.1:f-$tool" &&
		    scp -O -q $(sshopts) "$u@127.0.0.1:f-$tool" "$back" ;;
	sftp)
		printf 'put %s f-%s\nget f-%s %s\n' "$src" "$tool" "$tool" "$back" |
		    sftp -q -b - $(sshopts) "$u@127.0.0.1" ;;
	rsync)
		rsync -a --checksum -e "ssh $(sshopts | sed 's/-P /-p /')" "$src" "$u@127.0.0.1:f-$tool" &&
		    rsync -a -e "ssh $(sshopts | sed 's/-P /-p /')" "$u@127.0.0.1:f-$tool" "$back" ;;
	esac || return 1
	[ "$(sha256sum <"$src")" = "$(sha256sum <"$h/f-$tool")" ] || return 2
	[ "$(sha256sum <"$src")" = "$(sha256sum <"$back")" ] || return 3
	[ "$(stat -c %U "$h/f-$tool")" = "$u" ] || return 4
}

@test "login: transfer = container: scp, scp -O, sftp, rsync byte-exact" {
	for t in scp scp-O sftp rsync; do
		run xfer "$UC" "$t"
		echo "$t: $status $output"
		[ "$status" -eq 0 ]
	done
	# They ran in the container: the audit log has a grant per session.
	grep -q "user=\"$UC\".*event=grant" "$D/log"
}

@test "login: transfer = host: scp, scp -O, sftp, rsync byte-exact, audited" {
	for t in scp scp-O sftp rsync; do
		run xfer "$UH" "$t"
		echo "$t: $status $output"
		[ "$status" -eq 0 ]
	done
	grep -q "user=\"$UH\".*event=grant name=\"host-sftp-server-[0-9a-f]\{6\}\"" "$D/log"
	grep -q "user=\"$UH\".*event=grant name=\"host-rsync-[0-9a-f]\{6\}\"" "$D/log"
	grep -q "user=\"$UH\".*event=end name=\"host-scp-[0-9a-f]\{6\}\" status=0" "$D/log"
}

@test "login: transfer = deny refuses every transfer program, commands still run" {
	for t in scp scp-O sftp rsync; do
		run xfer "$UD" "$t"
		echo "$t: $status $output"
		[ "$status" -ne 0 ]
	done
	[ ! -e "/home/$UD/f-scp" ] && [ ! -e "/home/$UD/f-rsync" ]
	grep -q "user=\"$UD\".*event=deny reason=\"scp refused: file transfers are denied" "$D/log"
	run sshc "$UD" 127.0.0.1 'echo still'
	[ "$status" -eq 0 ] && [ "$output" = still ]
}

@test "login: transfer = host refuses anything but an exact transfer shape" {
	local m=$D/markers/host-$TAG
	for c in "scp -t x; touch $m" "scp -t x && touch $m" "scp -t \$(touch $m)" \
	    "scp -S /bin/sh -t x" "scp -t" "rsync --daemon" \
	    "rsync --server --rsh=/bin/sh . x" "rsync --server -e.iLs . -x" \
	    "rsync --server -vlogDtprse.iLsfxCIvu . x" \
	    "/usr/lib/openssh/sftp-server -l DEBUG3" "scp -t \`touch $m\`" \
	    "scp -t 'x'\"\$(touch $m)\""; do
		run sshc "$UH" 127.0.0.1 "$c"
		echo "$c: $status $output"
		[ "$status" -eq 125 ]
		[[ $output == *"ctr-launch: host transfer refused: "* ]]
	done
	[ ! -e "$m" ]
	grep -q "user=\"$UH\".*event=deny reason=\"host transfer refused: " "$D/log"
	# Not a transfer: an ordinary command, in the container.
	run sshc "$UH" 127.0.0.1 "hostname"
	[ "$status" -eq 0 ] && [ "$output" != "$(hostname)" ]
}

@test "login: ~/.bashrc, ~/.zshenv and ~/.ssh/rc never run on the host" {
	local h=/home/$UC m=$D/markers
	for f in .bashrc .zshenv; do
		echo "touch $m/$f-$TAG" >"$h/$f"
	done
	mkdir -p "$h/.ssh"
	echo "touch $m/sshrc-$TAG" >"$h/.ssh/rc"
	chown -R "$UC:" "$h/.ssh" "$h/.bashrc" "$h/.zshenv"
	run sshc "$UC" 127.0.0.1 'echo ran'
	local st1=$status out1=$output
	# shellcheck disable=SC2046 # word splitting of the options is meant
	run scp -q $(sshopts) "$UC@127.0.0.1:.zshenv" "$D/zshenv-copy"
	local st2=$status
	rm -f "$h/.bashrc" "$h/.zshenv" "$h/.ssh/rc"
	[ "$st1" -eq 0 ] && [ "$out1" = ran ] && [ "$st2" -eq 0 ]
	ls -la "$m"
	[ -z "$(ls -A "$m")" ]
}

@test "login: login = no gets no shell, no command, no transfer; reason audited" {
	run sshc "$UN" 127.0.0.1 'echo in'
	echo "$output"
	[ "$status" -eq 125 ]
	[[ $output == *"ctr-launch: login refused: the policy does not let you log in through ctr-launch-shell (login = no, [user:$UN])"* ]]
	[[ $output != *in ]]
	run sshc "$UN" 127.0.0.1 /usr/lib/openssh/sftp-server </dev/null
	[ "$status" -eq 125 ]
	grep -q "user=\"$UN\".*event=deny reason=\"login refused: the policy does not let you log in" "$D/log"
	# The shell's name forged on the command line unlocks nothing either.
	run ctl_as "$UN" bash -c "exec -a -ctr-launch-shell $CTL_BIN"
	[ "$status" -eq 125 ]
	[[ $output == *"login refused"* ]]
}

@test "login: a user denied by ctr-launch's PAM service gets nothing, reason audited" {
	run sshc "$UP" 127.0.0.1 'echo in'
	echo "$output"
	[ "$status" -eq 125 ]
	[[ $output == *"ctr-launch: refused by PAM (account)"* ]]
	[[ $output != *in ]]
	run sshc "$UP" 127.0.0.1 /usr/lib/openssh/sftp-server </dev/null
	[ "$status" -eq 125 ]
	grep -q "user=\"$UP\".*event=deny reason=\"refused by PAM (account)" "$D/log"
	# sshd's own PAM stack let the user in: the denial is ctr-launch's.
	grep -q "Accepted publickey for $UP " "$D/sshd.log"
}

@test "login: an expired account (chage -E 0) gets nothing" {
	chage -E 0 "$UE"
	run sshc "$UE" 127.0.0.1 'echo in'
	local st=$status out=$output
	# Either way: past sshd's stack too, ctr-launch's own PAM service
	# refuses the expired account.
	run ctl_as "$UE" "$SHELLBIN" -c 'echo in'
	chage -E -1 "$UE"
	echo "$st $out"
	[ "$st" -ne 0 ]
	[[ $out != *in ]]
	echo "$output"
	[ "$status" -eq 125 ]
	[[ $output == *"refused by PAM (account)"* ]]
	run sshc "$UE" 127.0.0.1 'echo in'
	[ "$status" -eq 0 ] && [ "$output" = in ]
}

@test "login: only the two shapes sshd uses are accepted" {
	for args in "" "-c" "-l" "-c echo x" "-i -c true" "x -c true"; do
		# shellcheck disable=SC2086 # the words are meant
		run ctl_as "$UC" "$SHELLBIN" $args
		echo "[$args] $status $output"
		[ "$status" -eq 125 ]
		[[ $output == *"ctr-launch: ctr-launch-shell accepts only a login"* ]]
	done
	run ctl_as "$UC" "$SHELLBIN" -c 'echo ok' </dev/null
	[ "$status" -eq 0 ] && [ "$output" = ok ]
	run ctl_as "$UC" bash -c "exec -a -ctr-launch-shell $SHELLBIN x"
	[ "$status" -eq 125 ]
}

@test "login: nothing of the lifecycle through the shell's argv: no -d, no verbs, no detach keys" {
	local v s=ld$TAG out
	for v in "ps" "ps -a" "run -d busybox sleep 100" "-d" "-d -c true" \
	    "run --detach-keys ctrl-x busybox true" "stop x" "kill x" \
	    "rm -f x" "logs x" "attach x" "exec x true" "wait x"; do
		# shellcheck disable=SC2086 # the words are meant
		run ctl_as "$UC" "$SHELLBIN" $v
		echo "[$v] $status $output"
		[ "$status" -eq 125 ]
		[[ $output == *"ctr-launch-shell accepts only a login"* ]]
		# argv[0] forged to the login shell's, on either name.
		for a0 in -ctr-launch-shell ctr-launch-shell /x/-ctr-launch-shell; do
			run ctl_as "$UC" bash -c "exec -a $a0 $CTL_BIN $v"
			[ "$status" -eq 125 ]
			[[ $output == *"ctr-launch-shell accepts only a login"* ]]
		done
	done
	# Through sshd the command string runs in the login container, where
	# no lifecycle verb exists.
	run sshc "$UC" 127.0.0.1 'ctr-launch run -d busybox sleep 100; echo rc=$?'
	[[ $output == *rc=127* ]]
	run sshc "$UC" 127.0.0.1 '-d'
	[ "$status" -ne 0 ]
	# With a pty, Ctrl-P Ctrl-Q is two bytes for the container's shell:
	# the session stays attached.
	tmux new-session -d -s "$s" -x 200 -y 50 \
	    "ssh -F /dev/null -i $D/userkey -p $PORT -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -tt -l $UC 127.0.0.1; echo SSH-ENDED; sleep 30"
	for _ in $(seq 50); do
		[[ $(tmux capture-pane -p -t "$s") == *'$ '* ]] && break
		sleep 0.2
	done
	tmux send-keys -t "$s" C-p C-q
	tmux send-keys -t "$s" 'echo "still-$((6*7))"' Enter
	for _ in $(seq 50); do
		out=$(tmux capture-pane -p -t "$s")
		[[ $out == *still-42* ]] && break
		sleep 0.2
	done
	# A login session is no detached container: ps knows nothing of it.
	run -0 ctl_as "$UC" "$CTL_BIN" ps -aq
	[ -z "$output" ]
	tmux send-keys -t "$s" 'exit' Enter
	sleep 0.5
	tmux kill-session -t "$s" 2>/dev/null || true
	echo "$out"
	[[ $out == *still-42* ]]
	[[ $out != *SSH-ENDED* ]]
	run -0 ctl_as "$UC" "$CTL_BIN" ps -aq
	[ -z "$output" ]
	[ ! -e "$CTL_ROOT/run/ctr-launch/c/u$(id -u "$UC")" ] ||
	    [ -z "$(ls -A "$CTL_ROOT/run/ctr-launch/c/u$(id -u "$UC")")" ]
}

# gone PATTERN: no process of the container left (bounded poll, 5 s).
gone() {
	for _ in $(seq 50); do
		pgrep -f "$1" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}

@test "login: kill -9 of the ssh client ends the container, without a pty" {
	local tok=$((RANDOM + 424200))
	# A simple command in the background: $! is the ssh client itself.
	ssh -F /dev/null -i "$D/userkey" -p "$PORT" -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel=ERROR -l "$UC" 127.0.0.1 "sleep $tok" </dev/null &
	local c=$!
	for _ in $(seq 50); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = ssh ] && break
		sleep 0.1
	done
	[ "$(cat "/proc/$c/comm")" = ssh ]
	for _ in $(seq 100); do pgrep -u "$UC" -xf "sleep $tok" >/dev/null && break; sleep 0.1; done
	local sp
	sp=$(pgrep -u "$UC" -xf "sleep $tok")
	# No relay: the payload's stdout and stderr are sshd's own pipes (its
	# stdin too, closed by sshd at the client's EOF here).
	local ino
	for fd in 1 2; do
		ino=$(readlink "/proc/$sp/fd/$fd")
		[[ $ino == pipe:* ]]
		for s in $(pgrep -u "$UC" -x sshd); do
			ls -l "/proc/$s/fd" 2>/dev/null | grep -qF "$ino" && continue 2
		done
		false
	done
	kill -9 "$c"
	run gone "^sleep $tok\$"
	[ "$status" -eq 0 ]
}

@test "login: kill -9 of the ssh client ends the container, with a pty" {
	local tok=$((RANDOM + 434300)) s=lk$TAG
	tmux new-session -d -s "$s" \
	    "ssh -F /dev/null -i $D/userkey -p $PORT -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -tt -l $UC 127.0.0.1 'trap \"\" HUP; sleep $tok'; sleep 30"
	for _ in $(seq 100); do pgrep -u "$UC" -xf "sleep $tok" >/dev/null && break; sleep 0.1; done
	pgrep -u "$UC" -xf "sleep $tok"
	pkill -9 -xf "ssh .* -tt -l $UC 127.0.0.1 trap \"\" HUP; sleep $tok"
	run gone "^sleep $tok\$"
	tmux kill-session -t "$s" 2>/dev/null || true
	[ "$status" -eq 0 ]
}

@test "login: the confined user cannot chsh away from the login shell" {
	grep -qx "$SHELLBIN" /etc/shells && skip "the test prefix's shell is in /etc/shells"
	run ctl_as "$UC" chsh -s /bin/bash </dev/null
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$(getent passwd "$UC" | cut -d: -f7)" = "$SHELLBIN" ]
}

@test "login: the sshd snippet applies to the group: no ~/.ssh/rc, no forwarding" {
	local t
	t=$("$SSHD" -T -f "$D/sshd_config" -C "user=$UC,host=localhost,addr=127.0.0.1")
	for kv in "permituserrc no" "allowtcpforwarding no" \
	    "allowstreamlocalforwarding no" "x11forwarding no" \
	    "permittunnel no" "allowagentforwarding no"; do
		grep -qx "$kv" <<<"$t"
	done
	# Outside the group, sshd's defaults.
	ctl_useradd "lo$TAG"
	t=$("$SSHD" -T -f "$D/sshd_config" -C "user=lo$TAG,host=localhost,addr=127.0.0.1")
	ctl_userdel "lo$TAG"
	grep -qx "permituserrc yes" <<<"$t"
}

@test "login: the sshd snippet refuses port forwarding" {
	run sshc "$UC" -W "127.0.0.1:$PORT" 127.0.0.1 </dev/null
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"forwarding failed"* ]]
	[[ $output != *SSH-2.0* ]]
	grep -q "refused local port forward: .* target 127.0.0.1 port $PORT" "$D/sshd.log"
	# Remote forwarding: the listener is never opened.
	local rport=$((PORT + 1000))
	run timeout 20 ssh -F /dev/null -i "$D/userkey" -p "$PORT" -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o ExitOnForwardFailure=yes -N -R "127.0.0.1:$rport:127.0.0.1:$PORT" \
	    -l "$UC" 127.0.0.1 </dev/null
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"remote port forwarding failed"* ]]
	! ss -Htln "sport = :$rport" | grep -q . || false
}

@test "login: transfer = container with an image lacking the programs says so" {
	local c want
	# busybox has none of them: ctr-launch says so in one line on
	# stderr (stdout stays the protocol's), the image's shell never runs.
	for c in /usr/lib/openssh/sftp-server "scp -t /tmp" "scp -f x" \
	    "rsync --server -e.iLsfxCIvu . x" "/usr/bin/scp -t /tmp"; do
		run -127 --separate-stderr sshc "$UB" 127.0.0.1 "$c" </dev/null
		echo "$c: $status [$output] [$stderr]"
		[ -z "$output" ]
		case $c in
		/*) want="has no ${c%% *}" ;;
		*) want="has no ${c%% *} on its PATH" ;;
		esac
		[ "$stderr" = "ctr-launch: transfer: image busybox:latest $want (transfer = container runs it in the image)" ]
	done
	# The same programs where the image has them.
	run sshc "$UC" 127.0.0.1 'scp -f /nonexistent' </dev/null
	[[ $output != *"ctr-launch: transfer:"* ]]
	run sshc "$UB" 127.0.0.1 'echo in'
	[ "$status" -eq 0 ] && [ "$output" = in ]
}

@test "login: transfer = container looks the program up as the caller, in the container" {
	local d saved=$D/policy.hid
	# The program is there for root only: a directory the caller cannot
	# search.  A lookup as root would find it; the caller's does not.
	if ! "$CTL_IMAGETOOL" list | awk '{print $1}' | grep -qx loginhid:latest; then
		d=$(mktemp -d)
		ctl_rootfs "$d/root"
		install -d -m 0700 "$d/root/usr/lib/openssh"
		install -m 0755 "$d/root/bin/busybox" "$d/root/usr/lib/openssh/sftp-server"
		tar -C "$d/root" -cf "$d/rootfs.tar" .
		"$CTL_IMAGETOOL" import --quiet --name loginhid:latest "$d/rootfs.tar"
		rm -rf "$d"
	fi
	cp -p "$CTL_POLICY" "$saved"
	sed -e 's/^images = busybox, loginimg$/&, loginhid/' \
	    -e 's/^login_image = busybox$/login_image = loginhid/' "$saved" | ctl_policy
	run -126 --separate-stderr sshc "$UB" 127.0.0.1 /usr/lib/openssh/sftp-server </dev/null
	cp -p "$saved" "$CTL_POLICY"
	echo "$status [$output] [$stderr]"
	[ -z "$output" ]
	[ "$stderr" = "ctr-launch: transfer: image loginhid:latest has /usr/lib/openssh/sftp-server, not executable: Permission denied (transfer = container runs it in the image)" ]
}

# proc_cg PID CTL: PID's cgroup path in CTL's hierarchy (v2: the unified
# one); cg_read CTL PATH V1FILE V2FILE: a file of that cgroup.
proc_cg() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		sed -n 's/^0:://p' "/proc/$1/cgroup"
	else
		awk -F: -v c="$2" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' "/proc/$1/cgroup"
	fi
}
cg_read() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		cat "/sys/fs/cgroup$2/$4"
	else
		cat "/sys/fs/cgroup/$1$2/$3"
	fi
}
cg_gone() {
	local c
	for c in "" memory cpu pids; do
		[ ! -e "/sys/fs/cgroup/$c$1" ] || return 1
	done
}

@test "login: transfer = host runs in a ctr-launch cgroup leaf with the policy's limits, counted, removed after" {
	local dir=/home/$UH/cgx fifo=$D/scp-fifo uid pid mem st=0 bg
	uid=$(id -u "$UH")
	install -d -o "$UH" -g "$UH" -m 0700 "$dir"
	rm -f "$fifo"
	mkfifo "$fifo"
	# The shell as sshd runs it; the scp protocol on stdin, the file's
	# bytes held back until the leaf is inspected.
	ctl_as "$UH" "$SHELLBIN" -c "scp -t $dir" <"$fifo" >"$D/scp.out" 2>"$D/scp.err" &
	bg=$!
	exec 7>"$fifo"
	printf 'C0644 6 f\n' >&7
	pid=
	for _ in $(seq 100); do pid=$(pgrep -u "$UH" -x scp) && break; sleep 0.1; done
	[ -n "$pid" ]
	mem=$(proc_cg "$pid" memory)
	echo "scp $pid in $mem"
	[[ $mem =~ ^/ctr-launch/u$uid/host-scp-[0-9a-f]{6}$ ]]
	[ "$(proc_cg "$pid" pids)" = "$mem" ]
	[ "$(proc_cg "$pid" cpu)" = "$mem" ]
	[ "$(cg_read memory "$mem" memory.limit_in_bytes memory.max)" = $((300 * 1024 * 1024)) ]
	[ "$(cg_read pids "$mem" pids.max pids.max)" = 40 ]
	# Counted like a container: max_containers = 1 refuses another
	# transfer and a login command while it runs.
	run ctl_as "$UH" "$SHELLBIN" -c "scp -t $dir" </dev/null
	echo "$output"
	[ "$status" -eq 125 ]
	[[ $output == *"refused: $UH already runs 1 container (max_containers = 1)"* ]]
	run ctl_as "$UH" "$SHELLBIN" -c 'echo in' </dev/null
	[ "$status" -eq 125 ]
	printf 'hello\n\0' >&7
	exec 7>&-
	wait "$bg" || st=$?
	cat "$D/scp.err"
	[ "$st" -eq 0 ]
	[ "$(cat "$dir/f")" = hello ]
	[ "$(stat -c %U "$dir/f")" = "$UH" ]
	# Only the protocol's acknowledgements on stdout.
	[ -z "$(tr -d '\0' <"$D/scp.out")" ]
	cg_gone "$mem"
	! pgrep -u "$UH" >/dev/null || false
	rm -rf "$dir"
}

@test "login: a login_image not granted by images is refused" {
	run sshc "$UI" 127.0.0.1 'echo in'
	echo "$output"
	[ "$status" -eq 125 ]
	[[ $output == *"image notgranted:1: not granted to you by the policy"* ]]
	run "$CTL_POLICYTOOL" explain "$UI"
	echo "$output"
	[[ $output == *"login_image          notgranted:1 (not granted by images)"* ]]
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[[ $output == *"warning: user $UI: login_image notgranted:1 ([user:$UI]) is not granted by images"* ]]
	run "$CTL_POLICYTOOL" explain "$UH"
	[[ $output == *"login                yes"*"[group:$G]"* ]]
	[[ $output == *"transfer             host"*"[user:$UH]"* ]]
	[[ $output == *"login_shell          /bin/sh -l"* ]]
}

@test "login: groups that disagree on a login key are an error for check and explain" {
	local f=$D/disagree.ini g2=lx$TAG saved=$D/policy.saved
	ctl_groupadd "$g2"
	usermod -a -G "$g2" "$UC"
	cat >"$f" <<-EOF
	[default]
	images = busybox, loginimg
	[group:$G]
	transfer = host
	[group:$g2]
	transfer = deny
	EOF
	run "$CTL_POLICYTOOL" check --strict "$f"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"user $UC: transfer disagrees between [group:$G] (line 4) and [group:$g2] (line 6)"* ]]
	cp -p "$CTL_POLICY" "$saved"
	ctl_policy <"$f"
	run "$CTL_POLICYTOOL" explain "$UC"
	local st=$status out=$output
	run sshc "$UC" 127.0.0.1 'echo in'
	cp -p "$saved" "$CTL_POLICY"
	gpasswd -d "$UC" "$g2" >/dev/null
	groupdel "$g2"
	echo "$st $out"
	[ "$st" -ne 0 ]
	[[ $out == *"transfer disagrees"* ]]
	[ "$status" -eq 125 ]
	[[ $output == *"transfer disagrees"* ]]
}
