#!/bin/bash
# devlog.sh DIR LOG: makes DIR a private /dev (a tmpfs with the usual
# devices and the host's pts and shm) whose /dev/log is a datagram listener
# appending each message, bytes as sent, as one line to LOG: the audit
# trail's syslog lines.  Prints the listener's pid once /dev/log exists.
# Run in the mount namespace that then does `mount --move DIR /dev`
# (with_log in lib.bash, the login suite's sshd, the Slurm suite's slurmd).
set -e
d=$1 log=$2
mount -t tmpfs -o mode=0755 tmpfs "$d"
cp -a /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/ptmx "$d"/
mkdir "$d/pts" "$d/shm"
mount --bind /dev/pts "$d/pts"
mount --bind /dev/shm "$d/shm"
ln -s /proc/self/fd "$d/fd"
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(1 << 20).rstrip(b"\n") + b"\n")
' "$d/log" "$log" </dev/null >/dev/null 2>&1 &
echo $!
for _ in $(seq 200); do [ -S "$d/log" ] && exit 0; sleep 0.02; done
echo "devlog.sh: $d/log did not appear" >&2
exit 1
