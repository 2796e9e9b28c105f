# tests/demo-login.sh: the login-shell part of make demo (sourced by
# tests/demo.sh, which provides step, bold, ROOT, POL, POLICY, WORK and the
# demo users).  Starts OpenSSH's sshd on 127.0.0.1 (a free port from 2222)
# with a private configuration, makes ctr-launch-shell the login shell of
# two demo users, and logs in.  The sshd is stopped by pid at the end.
demo_login() {
	local dssh=$ROOT/demo-ssh dport= drun= dsshd p u
	local ssho

	if [ ! -x /usr/sbin/sshd ]; then
		echo "(openssh-server is not installed, make deps installs it: no SSH login shown)"
		return 0
	fi
	bold "SSH logins that land in the container: ctr-launch-shell"
	rm -rf "$dssh"
	install -d -m 0755 "$dssh" "$dssh/keys"
	ssh-keygen -q -t ed25519 -N '' -f "$dssh/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$dssh/userkey"
	for u in "$ALICE" "$MALLORY"; do
		install -m 0644 "$dssh/userkey.pub" "$dssh/keys/$u"
		usermod -s "$ROOT/usr/bin/ctr-launch-shell" "$u"
	done
	printf '\n[user:%s]\nlogin = yes\nlogin_image = busybox\ntransfer = host\n' \
	    "$ALICE" >>"$POLICY"
	echo "The policy gains (busybox has no scp or sftp-server: transfers run"
	echo "on the host, as $ALICE, in their exact shapes only):"
	tail -n 4 "$POLICY"
	step root "$POL" explain "$ALICE"
	for p in 2222 $(seq 22220 22299); do
		ss -Htln "sport = :$p" | grep -q . || { dport=$p; break; }
	done
	if [ ! -d /run/sshd ]; then
		install -d -m 0755 /run/sshd
		drun=1
	fi
	{
		printf '%s\n' "ListenAddress 127.0.0.1" "Port $dport" \
		    "HostKey $dssh/hostkey" "PidFile $dssh/sshd.pid" "UsePAM yes" \
		    "PasswordAuthentication no" "KbdInteractiveAuthentication no" \
		    "PrintMotd no" "AuthorizedKeysFile $dssh/keys/%u" \
		    "Subsystem sftp /usr/lib/openssh/sftp-server"
		sed "s/^Match Group ctr-login\$/Match Group $GROUP/" \
		    "$ROOT/etc/ctr-launch/sshd-login.conf"
	} >"$dssh/sshd_config"
	/usr/sbin/sshd -D -f "$dssh/sshd_config" -E "$dssh/sshd.log" &
	dsshd=$!
	for _ in $(seq 100); do
		ss -Htln "sport = :$dport" | grep -q . && break
		sleep 0.1
	done
	echo "sshd (pid $dsshd) on 127.0.0.1:$dport; $ALICE's shell is now" \
	    "$(getent passwd "$ALICE" | cut -d: -f7)"
	ssho=(-F /dev/null -i "$dssh/userkey" -o BatchMode=yes
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	    -o LogLevel=ERROR)
	step root ssh "${ssho[@]}" -p "$dport" "$ALICE@127.0.0.1" \
	    'hostname; id; pwd; ps'
	step root ssh "${ssho[@]}" -tt -p "$dport" "$ALICE@127.0.0.1" 'tty'
	step root ssh "${ssho[@]}" -p "$dport" "$ALICE@127.0.0.1" 'exit 3'
	echo "hello through scp" >"$WORK/hello.txt"
	step root scp -O -q "${ssho[@]}" -P "$dport" "$WORK/hello.txt" \
	    "$ALICE@127.0.0.1:hello.txt"
	step root ls -l "/home/$ALICE/hello.txt"
	echo "(host transfers take exact shapes only, never a shell)"
	step root ssh "${ssho[@]}" -p "$dport" "$ALICE@127.0.0.1" \
	    'scp -t x; sh -i'
	echo "(forwarding is refused by the shipped sshd snippet)"
	step root ssh "${ssho[@]}" -W "127.0.0.1:$dport" -p "$dport" \
	    "$ALICE@127.0.0.1"
	echo "($MALLORY is denied by the policy: no shell, no command)"
	step root ssh "${ssho[@]}" -p "$dport" "$MALLORY@127.0.0.1" id
	kill "$dsshd" 2>/dev/null
	wait "$dsshd" 2>/dev/null
	[ -n "$drun" ] && rmdir /run/sshd 2>/dev/null
	rm -rf "$dssh"
	return 0
}
demo_login
