# cgroup v2 for real: the cgroup-sensitive suites in one QEMU VM booted
# with a stock Debian kernel and cgroup_no_v1=all (tests/vm/README.md).
# Included by the top Makefile; a phase of `make check` (VMCHECK=0 skips
# it) and runnable alone.
#
#   make vm-check [VM_SUITES='...'] [VM_ACCEL=tcg] ...
#
# VM_KERNEL_PKG    the Debian kernel image package, or a metapackage that
#                  apt-cache resolves to one; fetched with apt-get download
#                  and unpacked into $(VM_DIR) once, never installed
# VM_QEMU          the QEMU binary
# VM_MEM, VM_CPUS  the guest's memory (qemu -m) and CPUs
# VM_ACCEL         auto (KVM when a probe boot works, else TCG), kvm, tcg
# VM_BOOT_TIMEOUT  seconds for the guest to reach its test script
# VM_TIMEOUT       seconds after which qemu is killed, whatever it does
# VM_SUITES        the bats files run in the guest (repository paths)
# VM_EXCLUDE       an ERE: the tests of VM_SUITES whose name it matches
#                  are not run in the guest (listed in its output)
# VM_APPEND        more kernel command line
# VM_QEMU_OPTS     more qemu options
# VM_DIR           the kernel cache and each run's scratch directory

VM_KERNEL_PKG	?= linux-image-amd64
VM_QEMU		?= qemu-system-x86_64
VM_MEM		?= 1G
VM_CPUS		?= 2
VM_ACCEL	?= auto
VM_BOOT_TIMEOUT	?= 120
VM_TIMEOUT	?= 900
VM_SUITES	?= tests/vm/cgroup_v2.bats tests/vm/placement_v2.bats \
		   tests/integration/cgview.bats tests/integration/attacks/limits.bats \
		   tests/integration/ports.bats
# 100,000 variables cost bash minutes under TCG; nothing cgroup in it.
# Of ports.bats, only the forwarder's placement and confinement (its
# CLONE_INTO_CGROUP path) is cgroup-sensitive.
VM_EXCLUDE	?= ^a huge caller environment|^ports: ([^t]|t[^h])|^habits:|^policy: ctr-policy check and explain know ports
VM_APPEND	?= mitigations=off
VM_QEMU_OPTS	?=
VM_DIR		?= $(BUILDDIR)/vm

# make vm-bench: bench/run.sh's launch comparison inside the guest (the
# cgroup v2 rows of `make bench`), written to $(BUILDDIR)/bench/results-v2.md.
VM_BENCH_ROOT	?= /var/lib/ctr-launch-bench
VM_BENCH_RUNS	?= 50

.PHONY: vm-check vm-stage vm-bench

# The guest compiles nothing: run.sh builds the test build here and
# installs it into its scratch directory (vm-stage), then boots.
vm-check:
	@MAKE='$(MAKE)' BUILDDIR='$(BUILDDIR)' TESTROOT='$(TESTROOT)' \
	    VM_DIR='$(VM_DIR)' VM_KERNEL_PKG='$(VM_KERNEL_PKG)' \
	    VM_QEMU='$(VM_QEMU)' VM_MEM='$(VM_MEM)' VM_CPUS='$(VM_CPUS)' \
	    VM_ACCEL='$(VM_ACCEL)' VM_BOOT_TIMEOUT='$(VM_BOOT_TIMEOUT)' \
	    VM_TIMEOUT='$(VM_TIMEOUT)' VM_SUITES='$(VM_SUITES)' \
	    VM_EXCLUDE='$(VM_EXCLUDE)' \
	    VM_APPEND='$(VM_APPEND)' VM_QEMU_OPTS='$(VM_QEMU_OPTS)' \
	    VM_MODE='$(VM_MODE)' VM_BENCH_ROOT='$(VM_BENCH_ROOT)' \
	    VM_BENCH_RUNS='$(VM_BENCH_RUNS)' \
	    bash tests/vm/run.sh

# Internal (run.sh): the test build, made and installed under $(VM_STAGE).
vm-stage:
	@test -n '$(VM_STAGE)'
	install -d -m 0755 '$(VM_STAGE)$(TESTROOT)/etc/pam.d'
	$(MAKE) $(TEST_VARS) DESTDIR='$(VM_STAGE)' install

vm-bench:
	@$(MAKE) -s vm-check VM_MODE=bench

