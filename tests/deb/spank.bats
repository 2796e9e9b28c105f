#!/usr/bin/env bats
# The installed ctr-launch-spank package (make check-installed runs this
# suite when the package is installed): the plugin's file, mode and owner,
# its exports, the helper path compiled in, the conffile and the
# plugstack.conf.d symlink, the dependency on the Slurm release, and srun
# loading the plugin through Debian's own /etc/slurm/plugstack.conf.
#
# Invariants of the package (debian/rules, ctr-launch-spank.README.Debian):
# - The plugin MUST run the packaged helper /usr/bin/ctr-launch.
# - It MUST export only the SPANK symbols (spank/ctr_launch.map).
# - The package MUST depend on the Slurm release its plugin was built
#   for (Slurm refuses any other, failing every job step).
# - Slurm MUST reach the plugin through the package's plugstack.conf.d
#   symlink alone, so that remove (which deletes it) disables the plugin.

SO=/usr/lib/ctr-launch/ctr_launch.so
CONF=/etc/ctr-launch/plugstack.conf
LINK=/etc/slurm/plugstack.conf.d/ctr-launch.conf

setup_file() {
	dpkg-query -W -f '${db:Status-Abbrev}' ctr-launch-spank 2>/dev/null | grep -q '^ii' ||
	    skip "ctr-launch-spank is not installed"
}

# slurm_conf DIR: a slurm.conf for srun --help (no daemon is contacted)
# whose plugstack is the system's /etc/slurm/plugstack.conf.
slurm_conf() {
	cat >"$1/slurm.conf" <<-EOF
	ClusterName=ctldeb
	SlurmctldHost=localhost(127.0.0.1)
	PlugStackConfig=/etc/slurm/plugstack.conf
	NodeName=localhost CPUs=1 State=UNKNOWN
	PartitionName=debug Nodes=localhost Default=YES
	EOF
	chmod 0755 "$1"
	chmod 0644 "$1/slurm.conf"
}

@test "the plugin: $SO, a regular file 0644 root:root, a shared object" {
	[ "$(stat -c '%F %a %U %G' "$SO")" = "regular file 644 root root" ]
	file -L "$SO" | grep -q 'ELF .* shared object'
	dpkg -S "$SO" | grep -q '^ctr-launch-spank: '
}

@test "the plugin runs the packaged helper /usr/bin/ctr-launch (strings), no other" {
	run strings "$SO"
	grep -qx /usr/bin/ctr-launch <<<"$output"
	! grep -E '^/[^ ]*/ctr-launch$' <<<"$output" | grep -vqx /usr/bin/ctr-launch || false
}

@test "it exports the SPANK symbols and nothing else (nm -D)" {
	run nm -D --defined-only "$SO"
	[ "$status" -eq 0 ]
	got=$(awk '{print $3}' <<<"$output" | sort)
	want=$(printf '%s\n' plugin_name plugin_type plugin_version \
	    slurm_spank_exit slurm_spank_init slurm_spank_task_init \
	    slurm_spank_task_init_privileged spank_plugin_version | sort)
	echo "exported: $got"
	[ "$got" = "$want" ]
}

@test "its undefined symbols are libc's or Slurm's own, defined in libslurmfull.so" {
	full=$(dpkg -L slurm-wlm-basic-plugins | grep '/libslurmfull\.so$')
	[ -n "$full" ]
	und=$(nm -D --undefined-only "$SO" | awk '$1 == "U" && $2 !~ /@GLIBC_/ {print $2}')
	echo "undefined: $und"
	grep -qx spank_get_item <<<"$und"
	for s in $und; do
		nm -D --defined-only "$full" | awk '{print $3}' | grep -qx "$s" ||
		    { echo "$s: not in $full"; return 1; }
	done
}

@test "$CONF is a conffile of the package naming the plugin required" {
	dpkg-query -W -f '${Conffiles}\n' ctr-launch-spank | awk '{print $1}' | grep -qx "$CONF"
	[ "$(stat -c '%F %a %U %G' "$CONF")" = "regular file 644 root root" ]
	[ "$(grep -v '^[[:space:]]*#' "$CONF" | grep .)" = "required $SO" ]
}

@test "$LINK: the package's symlink to the conffile, not a conffile itself" {
	[ -L "$LINK" ]
	[ "$(readlink -f "$LINK")" = "$CONF" ]
	dpkg -S "$LINK" | grep -q '^ctr-launch-spank: '
	! dpkg-query -W -f '${Conffiles}\n' ctr-launch-spank | grep -q "$LINK" || false
}

@test "Debian's plugstack.conf includes plugstack.conf.d (slurm-wlm-basic-plugins)" {
	grep -qx 'include /etc/slurm/plugstack.conf.d/\*.conf' /etc/slurm/plugstack.conf
}

@test "Depends: ctr-launch of the same version, slurm-wlm-basic-plugins of the headers' release" {
	dep=$(dpkg-query -W -f '${Depends}' ctr-launch-spank)
	echo "Depends: $dep"
	v=$(dpkg-query -W -f '${Version}' ctr-launch-spank)
	grep -qF "ctr-launch (= $v)" <<<"$dep"
	n=$(($(sed -n 's/^#define SLURM_VERSION_NUMBER[[:space:]]*//p' /usr/include/slurm/slurm_version.h)))
	rel=$(printf '%d.%02d' $((n >> 16 & 255)) $((n >> 8 & 255)))
	next=$(printf '%d.%02d' $((n >> 16 & 255)) $(((n >> 8 & 255) + 1)))
	grep -qF "slurm-wlm-basic-plugins (>= $rel~), slurm-wlm-basic-plugins (<< $next~)" <<<"$dep"
	# The installed Slurm is of that release; the next one is not.
	sv=$(dpkg-query -W -f '${Version}' slurm-wlm-basic-plugins)
	dpkg --compare-versions "$sv" ge "$rel~"
	dpkg --compare-versions "$sv" lt "$next~"
	dpkg --compare-versions "$((n >> 16 & 255)).$(printf '%02d' $(((n >> 8 & 255) + 1))).0-1" ge "$next~"
}

@test "srun, as a user, loads the plugin through /etc/slurm/plugstack.conf: --help lists its options" {
	command -v srun >/dev/null || skip "srun is not installed (slurm-client)"
	d=$(mktemp -d)
	slurm_conf "$d"
	run env SLURM_CONF="$d/slurm.conf" setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups -- srun --help
	rm -rf "$d"
	[ "$status" -eq 0 ]
	for o in container-image container-mounts container-workdir container-env; do
		grep -q -- "--$o=" <<<"$output" || { echo "no --$o"; return 1; }
	done
	[ "$(grep -c '\[ctr-launch\]' <<<"$output")" = 4 ]
}
