/*
 * machine.c: what the machine charges for the operations a launch is made
 * of, so that the launch table's ratios can be read: a system call, a
 * page fault on fresh memory, a copy-on-write fault after a fork, the
 * parent's fork() call, and how long a child takes to run its first
 * instruction after the fork call, with its own copy of the memory (fork)
 * and on its parent's (vfork: CLONE_VM, as the container's init starts
 * the payload).  On a paravirtualised guest whose page tables the
 * hypervisor shadows, a new address space is what costs most.
 *
 * Prints a Markdown table of medians.  Run by bench/run.sh as root or as
 * any user; needs nothing but libc.
 *
 * Invariants:
 * - Every figure MUST be a median of repeated measurements, each child
 *   reaped before the next one starts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 31
#define PAGES  256
#define PAGE   4096L

static double
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

static char *
pages(void)
{
	char *m = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return m;
}

static void
reap(pid_t pid)
{
	if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
		perror("fork/waitpid");
		exit(1);
	}
}

int
main(void)
{
	double sc[ROUNDS], zf[ROUNDS], cow[ROUNDS], fk[ROUNDS], fst[ROUNDS],
	    vst[ROUNDS];
	/* Written by the vfork child, in this memory. */
	static volatile double start;
	int pipefd[2];

	if (pipe(pipefd) != 0) {
		perror("pipe");
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		char *m = pages(), *z = pages();
		double t0, t1;
		pid_t pid;

		t0 = now_us();
		for (int i = 0; i < 10000; i++)
			(void)syscall(SYS_getppid);
		sc[r] = (now_us() - t0) / 10000;

		t0 = now_us();
		for (long i = 0; i < PAGES; i++)
			z[i * PAGE] = 1;
		zf[r] = (now_us() - t0) / PAGES;

		/* m dirty, then fork: the child's writes copy. */
		memset(m, 1, PAGES * PAGE);
		t0 = now_us();
		pid = fork();
		if (pid == 0) {
			double a = now_us(), b, w[2];

			for (long i = 0; i < PAGES; i++)
				m[i * PAGE] = 2;
			b = now_us();
			w[0] = a - t0;
			w[1] = (b - a) / PAGES;
			(void)!write(pipefd[1], w, sizeof(w));
			_exit(0);
		}
		t1 = now_us();
		fk[r] = t1 - t0;
		reap(pid);
		{
			double w[2];

			if (read(pipefd[0], w, sizeof(w)) !=
			    (ssize_t)sizeof(w)) {
				perror("read");
				return 1;
			}
			fst[r] = w[0];
			cow[r] = w[1];
		}

		/* vfork: the child runs on this memory, this process waits. */
		start = 0;
		t0 = now_us();
		pid = vfork();
		if (pid == 0) {
			start = now_us();
			_exit(0);
		}
		reap(pid);
		vst[r] = start - t0;

		munmap(m, PAGES * PAGE);
		munmap(z, PAGES * PAGE);
	}
	printf("| operation (median of %d) | µs |\n|---|---:|\n", ROUNDS);
	printf("| a system call (getppid) | %.2f |\n", median(sc, ROUNDS));
	printf("| a page fault on fresh memory | %.1f |\n", median(zf, ROUNDS));
	printf("| a copy-on-write fault after fork | %.1f |\n",
	    median(cow, ROUNDS));
	printf("| fork(), in the parent (%ld KiB dirty) | %.0f |\n",
	    PAGES * PAGE / 1024, median(fk, ROUNDS));
	printf("| fork() to the child's first instruction | %.0f |\n",
	    median(fst, ROUNDS));
	printf("| vfork() to the child's first instruction | %.0f |\n",
	    median(vst, ROUNDS));
	return 0;
}
