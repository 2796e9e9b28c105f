#!/bin/bash
# mkpolicy.sh USER SECTIONS: the bench policy (ctr-launch.policy(5)) for
# USER, padded with SECTIONS extra [user:] and [group:] sections (half
# each) naming accounts that do not exist, as on a server with that many
# users and groups in the policy.  The bench user's own grants come last
# so that every size is evaluated over the whole file.
set -eu
user=$1
n=${2:-0}
cat <<P
; ctr-launch benchmark policy: $n padding sections
[global]
max_total_containers = 256

[default]
images = busybox
max_containers = 4
cpus = 1
memory = 2G
pids = 256
tmpfs_size = 256M
P
awk -v n="$n" 'BEGIN {
	for (i = 0; i < n; i++) {
		if (i % 2 == 0)
			printf "\n[user:cbpu%05d]\nimages = busybox\nmemory = 1G\n", i
		else
			printf "\n[group:cbpg%05d]\nimages = busybox\nuser_binds = /srv/g%05d\n", i, i
	}
}'
cat <<P

[user:$user]
images = busybox
images = bench-*
binds = %h:%h
user_binds = %h
network = host
max_containers = 64
P
