#!/usr/bin/env bats
# Attack class 12 of the catalog, second part: the caller's terminal.
# Without -t the container must never hold a descriptor of the caller's
# terminal: from a terminal, its stdout and stderr (and stdin with -i) are
# pipes the front relays, so a hostile image can neither read what the user
# types (a password typed into another program's prompt) nor change the
# terminal's modes (echo off, left so after it exits).  Pipes and files the
# caller passes stay direct.  Every test runs ctr-launch as a throwaway user
# inside a real pty (tty_run below); post.bash checks the host after each.

load ../lib
load common
load post

setup_file() {
	atk_setup_file
	tty_driver >"$BATS_FILE_TMPDIR/ptyrun.py"
}
teardown_file() { atk_teardown_file; }

# tty_driver: a small pty driver.  ptyrun.py USER STEP... -- ARGV... runs
# ARGV as USER (uid, gid, groups, a login's minimal environment, in the
# home) as the session leader of a new pty whose slave is USER's (0620,
# group tty, as a login makes it).  Steps, in order: -e TEXT waits (20 s at
# most) until TEXT was printed, -s BYTES types BYTES (Python escapes:
# '\x03' is Ctrl-C), -w SECONDS waits, -x CMD runs `sh -c CMD` as root with
# the pty on stdin and PTY_PID (ARGV's pid) in its environment.  Prints
# everything the terminal showed (without CRs), then PTY-STATUS=N (128+N
# for signal N) and PTY-STTY=the pty's `stty -a` once ARGV has exited.
tty_driver() {
	cat <<-'EOF'
	import codecs, fcntl, grp, os, pwd, select, signal, subprocess
	import sys, termios, time

	user, args = sys.argv[1], sys.argv[2:]
	cut = args.index("--")
	steps, argv = args[:cut], args[cut + 1:]
	pw = pwd.getpwnam(user)
	master, slave = os.openpty()
	os.chown(os.ttyname(slave), pw.pw_uid, grp.getgrnam("tty").gr_gid)
	os.chmod(os.ttyname(slave), 0o620)
	fcntl.ioctl(slave, termios.TIOCSWINSZ, b"\x1e\x00\x78\x00\x00\x00\x00\x00")
	pid = os.fork()
	if pid == 0:
	    os.setsid()
	    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
	    for fd in (0, 1, 2):
	        os.dup2(slave, fd)
	    os.closerange(3, 1024)
	    for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGPIPE, signal.SIGTERM):
	        signal.signal(s, signal.SIG_DFL)
	    os.chdir(pw.pw_dir)
	    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": pw.pw_dir,
	           "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
	           "TERM": "xterm"}
	    os.execvpe("setpriv", ["setpriv", "--reuid=%d" % pw.pw_uid,
	               "--regid=%d" % pw.pw_gid, "--init-groups", "--"] + argv,
	               env)
	out = bytearray()
	status = None

	def pump(timeout):
	    global status
	    r, _, _ = select.select([master], [], [], timeout)
	    if r:
	        try:
	            out.extend(os.read(master, 65536))
	        except OSError:
	            pass
	    if status is None:
	        p, st = os.waitpid(pid, os.WNOHANG)
	        if p == pid:
	            status = os.waitstatus_to_exitcode(st)
	            if status < 0:
	                status = 128 - status

	i = 0
	while i < len(steps):
	    op, arg = steps[i], steps[i + 1]
	    i += 2
	    if op == "-e":
	        end = time.time() + 20
	        while arg.encode() not in out and time.time() < end:
	            pump(0.1)
	        if arg.encode() not in out:
	            out.extend(b"\nPTY-TIMEOUT waiting for " + arg.encode() + b"\n")
	    elif op == "-s":
	        os.write(master, codecs.decode(arg, "unicode_escape").encode("latin-1"))
	    elif op == "-w":
	        end = time.time() + float(arg)
	        while time.time() < end:
	            pump(0.05)
	    elif op == "-x":
	        e = dict(os.environ, PTY_PID=str(pid))
	        subprocess.run(["sh", "-c", arg], stdin=slave, env=e)
	end = time.time() + 60
	while status is None and time.time() < end:
	    pump(0.1)
	if status is None:
	    os.kill(pid, signal.SIGKILL)
	    out.extend(b"\nPTY-TIMEOUT waiting for the exit\n")
	    os.waitpid(pid, 0)
	    status = 137
	while select.select([master], [], [], 0.3)[0]:
	    try:
	        data = os.read(master, 65536)
	    except OSError:
	        break
	    if not data:
	        break
	    out.extend(data)
	sys.stdout.write(out.decode("utf-8", "replace").replace("\r", ""))
	sys.stdout.write("\nPTY-STATUS=%d\n" % status)
	stty = subprocess.run(["stty", "-a"], stdin=slave, capture_output=True,
	                      text=True).stdout.replace("\n", " ")
	sys.stdout.write("PTY-STTY= %s \n" % stty)
	EOF
}

# tty_run STEP... -- ARGV...: ptyrun.py as ATK_A; sets $status/$output,
# $tty_status (ARGV's exit status) and $tty_stty (the pty's modes after).
tty_run() {
	run python3 "$BATS_FILE_TMPDIR/ptyrun.py" "$ATK_A" "$@"
	echo "$output"
	tty_status=$(sed -n 's/^PTY-STATUS=//p' <<<"$output")
	tty_stty=$(sed -n 's/^PTY-STTY=//p' <<<"$output")
	[[ "$output" != *PTY-TIMEOUT* ]]
}

# tty_echo_on: the pty's modes after the run are a cooked terminal's.
tty_echo_on() {
	[[ "$tty_stty" == *" echo "* ]] && [[ "$tty_stty" == *" icanon "* ]]
}

@test "T12.4: without -t, none of the container's fds 0-2 is the caller's terminal" {
	atk_need_helper
	local show='for f in 0 1 2; do [ -t $f ] && echo "TTY$f"; echo "fd$f=$(readlink /proc/$$/fd/$f)"; done'
	tty_run -- "$CTL_BIN" run busybox sh -c "$show"
	[ "$tty_status" = 0 ]
	[[ "$output" != *TTY[012]* ]]
	[[ "$output" == *"fd0=/dev/null"* ]]
	[[ "$output" == *"fd1=pipe:"* ]]
	[[ "$output" == *"fd2=pipe:"* ]]
	# Two pipes: stdout and stderr stay separate streams.
	[ "$(grep -o 'fd[12]=pipe:\[[0-9]*\]' <<<"$output" | cut -d= -f2 | sort -u | wc -l)" = 2 ]
	# With -i, stdin too is a pipe.
	tty_run -- "$CTL_BIN" run -i busybox sh -c "$show"
	[ "$tty_status" = 0 ]
	[[ "$output" != *TTY[012]* ]]
	[[ "$output" == *"fd0=pipe:"* ]]
	[[ "$output" == *"fd1=pipe:"* ]]
	[[ "$output" == *"fd2=pipe:"* ]]
}

@test "T12.4.1: a path-only (O_PATH) descriptor of the terminal among fds 0-2 reaches the container as /dev/null, and no reopening makes it the terminal" {
	atk_need_helper
	# The caller's stderr is an O_PATH descriptor of its terminal: no I/O
	# through it, but reopened through /proc it would be the terminal.
	local steal='echo "fd2=$(readlink /proc/$$/fd/2)"; exec 3</proc/$$/fd/2 || exit 7; echo READY; a=$(dd bs=1 count=7 <&3 2>/dev/null); echo "GOT[$a]"'
	local opath='import os, sys; os.dup2(os.open(os.ttyname(0), os.O_PATH), 2); os.execv(sys.argv[1], sys.argv[1:])'
	tty_run -e READY -s 'hunter2\n' -w 0.5 -- python3 -c "$opath" \
	    "$CTL_BIN" run busybox sh -c "$steal"
	[ "$tty_status" = 0 ]
	[[ "$output" == *"fd2=/dev/null"* ]]
	[[ "$output" == *"GOT[]"* ]]
	[[ "$output" != *"GOT[hunter"* ]]
}

@test "T12.5: the container cannot read what the caller types into the terminal" {
	atk_need_helper
	# Read 7 bytes from the terminal through fd 1, then through fd 2,
	# while the user types a password into "another program's prompt"
	# (fds 3 and 4: inside $(...) fd 1 is the substitution's pipe).
	local steal='exec 3<&1 4<&2; echo READY; a=$(dd bs=1 count=7 <&3 2>/dev/null); echo "GOT1[$a]"; b=$(dd bs=1 count=7 <&4 2>/dev/null); echo "GOT2[$b]"'
	tty_run -e READY -s 'hunter2\n' -w 0.5 -s 'hunter3\n' -- \
	    "$CTL_BIN" run busybox sh -c "$steal"
	[ "$tty_status" = 0 ]
	[[ "$output" == *"GOT1[]"* ]]
	[[ "$output" == *"GOT2[]"* ]]
	[[ "$output" != *"GOT1[hunter"* ]]
	[[ "$output" != *"GOT2[hunter"* ]]
}

@test "T12.6: a container that turns echo off leaves the caller's terminal as it was" {
	atk_need_helper
	local off='stty -echo -icanon <&1; echo "stty1=$?"; stty -echo -icanon <&2; echo "stty2=$?"; stty -echo -icanon </proc/self/fd/2; echo "stty3=$?"; stty -echo -icanon </dev/tty; echo "stty4=$?"'
	tty_run -- "$CTL_BIN" run busybox sh -c "$off"
	[ "$tty_status" = 0 ]
	[[ "$output" == *"stty1=1"* ]]
	[[ "$output" == *"stty2=1"* ]]
	[[ "$output" == *"stty3=1"* ]]
	[[ "$output" == *"stty4=1"* ]]
	tty_echo_on
	tty_run -- "$CTL_BIN" run -i busybox sh -c "stty -echo; echo stty0=\$?; $off"
	[ "$tty_status" = 0 ]
	[[ "$output" == *"stty0=1"* ]]
	[[ "$output" == *"stty1=1"* ]]
	tty_echo_on
}

@test "T12.6: the front restores the terminal's modes it found, on a normal exit and on Ctrl-C" {
	atk_need_helper
	# Whatever turned echo off while the container ran (here root, from
	# outside), the front puts the modes it started with back.
	tty_run -e READY -x 'stty -echo -icanon' -- \
	    "$CTL_BIN" run busybox sh -c 'echo READY; sleep 1'
	[ "$tty_status" = 0 ]
	tty_echo_on
	tty_run -e READY -x 'stty -echo -icanon' -s '\x03' -- \
	    "$CTL_BIN" run -i busybox sh -c 'echo READY; exec sleep 30'
	[ "$tty_status" = 130 ]
	tty_echo_on
}

@test "T12.7: Ctrl-C without -t reaches the container (130), with and without -i" {
	atk_need_helper
	tty_run -e READY -s '\x03' -- "$CTL_BIN" run busybox sh -c 'echo READY; exec sleep 30'
	[ "$tty_status" = 130 ]
	tty_run -e READY -s '\x03' -- "$CTL_BIN" run -i busybox sh -c 'echo READY; exec sleep 30'
	[ "$tty_status" = 130 ]
}

@test "T12.7: -i relays what the caller types, line by line; Ctrl-D is EOF" {
	atk_need_helper
	tty_run -e READY -s 'one\n' -e 'LINE[one]' -s 'two\n' -e 'LINE[two]' -s '\x04' -- \
	    "$CTL_BIN" run -i busybox sh -c 'echo READY; while read -r l; do echo "LINE[$l]"; done; echo EOF-SEEN; exit 4'
	[ "$tty_status" = 4 ]
	[[ "$output" == *EOF-SEEN* ]]
}

@test "T12.7: -i in the background stops on a read of the terminal, as a job does; fg resumes it" {
	atk_need_helper
	# While `sleep` runs in the foreground nobody else reads the terminal:
	# the line typed meanwhile is the shell's, and the container's front
	# stops (tty input) instead of taking it.
	tty_run -e '$ ' -s "\"$CTL_BIN\" run -i busybox sh -c 'while read -r l; do echo \"LINE[\$l]\"; done; echo EOF-SEEN' & sleep 2; jobs; echo JOBS-DONE\n" \
	    -w 0.5 -s 'echo typed-for-the-shell\n' -e JOBS-DONE \
	    -w 0.5 -s 'fg\n' -w 1 -s 'one\n' -e 'LINE[one]' -s '\x04' -e EOF-SEEN -s 'exit\n' -- \
	    bash --norc --noprofile -i
	[[ "$output" == *Stopped* ]]
	[[ "$output" != *"LINE[echo"* ]]
	# The shell ran the line (its output, not only the terminal's echo).
	[ "$(grep -v 'echo typed' <<<"$output" | grep -c 'typed-for-the-shell$')" = 1 ]
	[[ "$output" == *"LINE[one]"* ]]
	[[ "$output" == *EOF-SEEN* ]]
	[ "$tty_status" = 0 ]
}

@test "T12.7: relayed output keeps its order and its end, the status, and stdout apart from stderr" {
	atk_need_helper
	tty_run -- "$CTL_BIN" run busybox sh -c 'seq 1 30000; echo LAST; echo ERR >&2; exit 3'
	[ "$tty_status" = 3 ]
	# Each stream keeps its order and its end; across the two streams
	# there is no order (two pipes: ERR may land inside a line of
	# stdout, as with docker run without -t).
	local body
	body=$(sed -n '/^PTY-STATUS=/q; p' <<<"$output")$'\n'
	[[ "$body" == *ERR$'\n'* ]]
	body=${body/ERR$'\n'/}
	diff <(seq 1 30000; echo LAST) <(grep -v '^$' <<<"$body")
	# 2>/dev/null drops stderr only, >/dev/null stdout only.
	tty_run -- sh -c "\"$CTL_BIN\" run busybox sh -c 'echo OUT-X; echo ERR-X >&2' 2>/dev/null"
	[ "$tty_status" = 0 ]
	[[ "$output" == *OUT-X* ]]
	[[ "$output" != *ERR-X* ]]
	tty_run -- sh -c "\"$CTL_BIN\" run busybox sh -c 'echo OUT-X; echo ERR-X >&2' >/dev/null"
	[ "$tty_status" = 0 ]
	[[ "$output" != *OUT-X* ]]
	[[ "$output" == *ERR-X* ]]
}

@test "T12.7: files and pipes the caller passes reach the container directly" {
	atk_need_helper
	# From a terminal, stdout to a file: the file itself, no relay.
	rm -f "/home/$ATK_A/out-$ATK_TAG"
	tty_run -- sh -c "\"$CTL_BIN\" run busybox readlink /proc/self/fd/1 >out-$ATK_TAG"
	[ "$tty_status" = 0 ]
	[ "$(cat "/home/$ATK_A/out-$ATK_TAG")" = "/home/$ATK_A/out-$ATK_TAG" ]
	rm -f "/home/$ATK_A/out-$ATK_TAG"
	# A pipe: the caller's pipe itself (the same inode as the shell's).
	tty_run -- sh -c "{ readlink /proc/self/fd/1; \"$CTL_BIN\" run busybox readlink /proc/self/fd/1; } | sed 's/^/SAW-/'"
	[ "$tty_status" = 0 ]
	[ "$(grep -c '^SAW-pipe:' <<<"$output")" = 2 ]
	[ "$(grep '^SAW-pipe:' <<<"$output" | sort -u | wc -l)" = 1 ]
	# A closed pipe still ends the container with SIGPIPE, stderr relayed.
	tty_run -- bash -c "\"$CTL_BIN\" run busybox yes | head -n 2 >/dev/null; echo \"PS=\${PIPESTATUS[0]}\""
	[[ "$output" == *"PS=141"* ]]
}

# tty_fds_check: run by ptyrun.py (-x) while the container sleeps: which
# processes hold the container's stdio pipes.  Prints one line per finding.
tty_fds_check() {
	cat <<-'EOF'
	p0=$PTY_PID
	k=$(pgrep -P "$p0" | head -n 1)
	pl=$(pgrep -u "$ATK_A" -x sleep | head -n 1)
	echo "CHECK p0=$p0 k=$k payload=$pl"
	for n in 0 1 2; do
		l=$(readlink "/proc/$pl/fd/$n")
		case $l in pipe:*) ;; *) echo "BAD payload fd$n=$l"; continue;; esac
		for f in /proc/"$k"/fd/*; do
			[ "$(readlink "$f")" = "$l" ] && echo "BAD keeper holds fd$n's pipe"
		done
		held=0
		for f in /proc/"$p0"/fd/*; do
			[ "$(readlink "$f")" = "$l" ] || continue
			held=$((held + 1))
			acc=$(( 0$(awk '/^flags:/ {print $2}' "/proc/$p0/fdinfo/${f##*/}") & 3 ))
			if [ "$n" = 0 ] && [ "$acc" != 1 ]; then echo "BAD front holds a read end of fd0's pipe"; fi
			if [ "$n" != 0 ] && [ "$acc" != 0 ]; then echo "BAD front holds a write end of fd$n's pipe"; fi
		done
		[ "$held" = 1 ] || echo "BAD front holds $held ends of fd$n's pipe"
	done
	echo CHECK-DONE
	EOF
}

@test "T12.8: no relay pipe end leaks: the front holds only its own ends, the keeper none" {
	atk_need_helper
	tty_fds_check >"$BATS_TEST_TMPDIR/check.sh"
	tty_run -e READY -x "ATK_A=$ATK_A sh $BATS_TEST_TMPDIR/check.sh" -s '\x03' -- \
	    "$CTL_BIN" run -i busybox sh -c 'echo READY; exec sleep 30'
	[ "$tty_status" = 130 ]
	[[ "$output" == *CHECK-DONE* ]]
	[[ "$output" != *BAD* ]]
}
