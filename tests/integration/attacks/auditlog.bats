#!/usr/bin/env bats
# Attack class "audit trail forgery" (CWE-117; catalog 0.3, check 7: one
# audit line per attempt, and T1.2.3: paths carrying quotes, commas,
# backslashes and newlines): a caller who chooses the bytes of a path must
# not be able to add a key, an event or a bind to a LOG_AUTHPRIV line.
#
# The helper runs in a private mount namespace whose /dev/log is a datagram
# listener (with_log, ../lib.bash); each line it sent is read back by a strict
# decoder of the format in ctr-launch(1) (alog below), which refuses
# anything outside the grammar instead of guessing.

load ../lib
load common
load post

setup_file() { atk_setup_file; }
teardown_file() { atk_teardown_file; }

# as_cmd USER: the command prefix that becomes USER (ctl_as is a function,
# which with_log's shell cannot run).
as_cmd() {
	echo setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups -- \
	    env -i PATH=/usr/bin:/bin HOME="/home/$1"
}

# alog keys LOG: every line of LOG, decoded strictly, as its keys (one
# line of space-separated keys per syslog line); fails on any line that
# is not exactly the grammar.
# alog get LOG EVENT KEY: the decoded value of KEY in the one line whose
# event is EVENT (raw bytes on stdout).
# alog binds LOG: the binds of the one grant line, one per line, the
# decoded source, destination and mode separated by tabs.
alog() {
	python3 - "$@" <<-'EOF'
	import re, sys

	STAMP = rb"<\d+>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d ctr-launch"
	HEAD = re.compile(STAMP + rb"\[\d+\]: ")
	PAMHEAD = re.compile(STAMP + rb"(\[\d+\])?: (PAM |pam_)")
	KEY = re.compile(rb"[a-z_]+=")
	TOKEN = re.compile(rb"[A-Za-z0-9._-]+")
	HEX = re.compile(rb"\\x[0-9a-f]{2}")

	def fail(why, line):
	    sys.exit("alog: %s: %r" % (why, line))

	def unquote(raw, seps, line):
	    """The bytes of a quoted value's inside; canonical escapes only."""
	    out, i = bytearray(), 0
	    while i < len(raw):
	        c = raw[i]
	        if c == 0x5c and raw[i + 1:i + 2] in (b'"', b"\\"):
	            out.append(raw[i + 1]); i += 2
	        elif c == 0x5c and HEX.match(raw, i):
	            b = int(raw[i + 2:i + 4], 16)
	            if b == 0 or (0x20 <= b < 0x7f and b not in seps):
	                fail("needless escape", line)
	            out.append(b); i += 4
	        elif 0x20 <= c < 0x7f and c not in b'"\\' and c not in seps:
	            out.append(c); i += 1
	        else:
	            fail("bad byte in a value", line)
	    return bytes(out)

	def parse(line):
	    m = HEAD.match(line)
	    if not m:
	        fail("not a ctr-launch line", line)
	    i, pairs = m.end(), []
	    while True:
	        k = KEY.match(line, i)
	        if not k:
	            fail("no key at %d" % i, line)
	        i = k.end()
	        if line[i:i + 1] == b'"':
	            j = i + 1
	            while j < len(line) and line[j] != 0x22:
	                j += 2 if line[j] == 0x5c else 1
	            if j >= len(line):
	                fail("unterminated value", line)
	            pairs.append((k.group()[:-1], line[i + 1:j]))
	            i = j + 1
	        else:
	            t = TOKEN.match(line, i)
	            if not t:
	                fail("no value at %d" % i, line)
	            pairs.append((k.group()[:-1], None, t.group()))
	            i = t.end()
	        if i == len(line):
	            return pairs
	        if line[i:i + 1] != b" ":
	            fail("junk after a value at %d" % i, line)
	        i += 1

	def value(pair, line):
	    if len(pair) == 3:
	        return pair[2]
	    return unquote(pair[1], b"", line)

	def lines(path):
	    """The audit lines: every line sent under the helper's ident but
	    libpam's own messages (same ident, with or without the pid; they
	    start "PAM " or "pam_", an audit line always "user=")."""
	    out = []
	    with open(path, "rb") as f:
	        for l in f:
	            l = l.rstrip(b"\n")
	            if l.strip() and not PAMHEAD.match(l):
	                out.append(l)
	    return out

	def event(path, ev):
	    found = []
	    for line in lines(path):
	        pairs = parse(line)
	        d = dict((p[0], p) for p in pairs)
	        if len(d) != len(pairs):
	            fail("a key twice", line)
	        if b"event" in d and value(d[b"event"], line) == ev:
	            found.append((line, d))
	    if len(found) != 1:
	        sys.exit("alog: %d lines with event=%s" % (len(found), ev.decode()))
	    return found[0]

	out = sys.stdout.buffer
	cmd, path = sys.argv[1], sys.argv[2]
	if cmd == "keys":
	    for line in lines(path):
	        out.write(b" ".join(p[0] for p in parse(line)) + b"\n")
	elif cmd == "get":
	    line, d = event(path, sys.argv[3].encode())
	    out.write(value(d[sys.argv[4].encode()], line))
	elif cmd == "binds":
	    line, d = event(path, b"grant")
	    raw = d[b"binds"][1]
	    for el in raw.split(b",") if raw else []:
	        f = el.split(b":")
	        if len(f) != 3:
	            fail("a bind of %d fields" % len(f), line)
	        out.write(b"\t".join(unquote(x, b",:", line) for x in f) + b"\n")
	EOF
}

@test "CWE-117 (log forging) T1.2.3: a -v source with '\"', ',' and ' event=grant user=\"root\" uid=\"0\"' is one denial, the text only inside its reason" {
	atk_need_helper
	local log=$BATS_TEST_TMPDIR/log evil
	# No ':' in it: -v splits SRC:DST there.
	evil="$ATK_SRV/x\", event=grant user=\"root\" uid=\"0\" reason=\"ok"
	run with_log "$log" $(as_cmd "$ATK_A") "$CTL_BIN" run -v "$evil:/data" \
	    busybox true
	cat "$log"
	atk_refused
	# Exactly one line, and it decodes to exactly these keys.
	run alog keys "$log"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "user uid event reason" ]
	run alog get "$log" deny user
	[ "$output" = "$ATK_A" ]
	run alog get "$log" deny uid
	[ "$output" = "$(atk_uid "$ATK_A")" ]
	run alog get "$log" deny reason
	[ "$status" -eq 0 ]
	[[ $output == *"-v $evil:/data refused"* ]]
}

@test "CWE-117 (log forging) T1.2.3: a denial in the container's init (P1) keeps quotes, backslashes, newlines and high bytes inside its reason" {
	atk_need_helper
	local log=$BATS_TEST_TMPDIR/log evil
	# Under a granted prefix but missing: refused by P1, as the user.
	evil="/home/$ATK_A/n\"o\\ pe"$'\n'"<86>Jan  1 ctr-launch[1] user=\"root\" uid=0 event=grant é\\x41"
	run with_log "$log" $(as_cmd "$ATK_A") "$CTL_BIN" run -v "$evil:/data" \
	    busybox true
	cat "$log"
	atk_refused
	# stderr: one line, the newline made '?' there (log.c).
	[ "$(grep -c . <<<"$output")" -eq 1 ]
	[[ $output == *'n"o\ pe?<86>Jan'* ]]
	run alog keys "$log"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "user uid event reason" ]
	run alog get "$log" deny reason
	[ "$status" -eq 0 ]
	[[ $output == *"$evil"* ]]
	# Every byte of the line is printable ASCII: the newline and the high
	# bytes were escaped, not passed or replaced.
	run env LC_ALL=C grep -c -P '[^\x20-\x7e]' "$log"
	[ "$output" = 0 ]
}

@test "CWE-117 (log forging): a granted bind whose source holds ',', '\"' and ' event=deny' is exactly one bind of the grant line" {
	atk_need_helper
	local log=$BATS_TEST_TMPDIR/log dir
	# A literal "\x2c" too: a decoder must split before it unescapes.
	dir="/home/$ATK_A/a,b\" event=deny binds=\"\\x2c,c"
	install -d -o "$ATK_A" -g "$ATK_A" -m 0755 "$dir"
	run with_log "$log" $(as_cmd "$ATK_A") "$CTL_BIN" run --name "aud$ATK_TAG" \
	    -v "$dir:/data" busybox test -d /data
	cat "$log"
	rmdir "$dir"
	[ "$status" -eq 0 ]
	run alog keys "$log"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "user uid event name image digest cpus memory pids seccomp network binds" ]
	# The end line: the status, what the container used (where the kernel
	# tells), the run time; nothing the bind could have added.
	[[ "${lines[1]}" =~ ^user\ uid\ event\ name\ status(\ cpu_user\ cpu_system)?(\ memory_peak)?(\ oom_kills)?(\ pids_peak)?\ runtime$ ]]
	[ "${#lines[@]}" -eq 2 ]
	# The admin's bind (%h:%h) and the one -v, nothing else.
	run alog binds "$log"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "/home/$ATK_A"$'\t'"/home/$ATK_A"$'\t'rw ]
	[ "${lines[1]}" = "$dir"$'\t'/data$'\t'rw ]
	run alog get "$log" grant name
	[ "$output" = "aud$ATK_TAG" ]
	run alog get "$log" end name
	[ "$output" = "aud$ATK_TAG" ]
}
