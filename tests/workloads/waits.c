// SPDX-License-Identifier: GPL-2.0
// Workload: threads that each spend their time off the CPU in one known
// way, for the tests of off-CPU and wall-clock profiles.
//
// Usage: waits [-w DELAY_MS] [-d DIR]
//
// Ground truth: after DELAY_MS (default 0, asleep in main, so a profiler
// can attach with -p first) nine threads start together behind a barrier:
//
//   thread     function      waits for
//   w_sleep    sleeper_loop  sleep: nanosleep 10 ms, 100 times
//   w_disk     disk_loop     disk: O_DIRECT preads of 4 MiB, for 0.8 s
//   w_net      net_loop      net: 100 rounds of 1 byte sent, recv of the answer
//   w_netpeer  netpeer_loop  sleep: recv (short), 10 ms nanosleep, answer
//   w_lock     lock_loop     lock: 100 pthread_mutex_lock of a mutex held...
//   w_holder   holder_loop   sleep: ...by the holder, asleep 10 ms with it
//   w_runq1/2  runq_loop     runqueue: spin 1 s, both pinned to the last CPU
//   w_cpu      cpu_loop      nothing: spin 1 s, pinned to the first CPU
//
// so each waiting thread has about 1 s of its one kind of wait (more where
// timers fire late: 1.2 s on a busy VM), w_disk 0.8 s, and the two runq
// threads half a second each. Each thread measures itself, and main
// prints, once all have been joined, one line per thread:
//
//   TRUTH name=NAME wait_us=N cpu_us=N wall_us=N tid=N rq_us=N
//
// wait_us is the wall time inside the waiting calls (nanosleep for
// w_sleep, w_netpeer and w_holder, pread for w_disk, recv for w_net,
// pthread_mutex_lock for w_lock) and, for the spinners, their time
// runnable but not running (rq_us; wall_us - cpu_us if the kernel keeps
// no schedstat). cpu_us is the thread's CLOCK_THREAD_CPUTIME_ID, wall_us
// the wall time of its loop, rq_us the time it was runnable but not
// running (/proc/thread-self/schedstat, -1 if missing), all from the
// barrier on; tid is its thread id. A waiting call's wall time holds the
// thread's CPU time and runqueue time inside it too, so the time it was
// truly blocked lies between wait_us - cpu_us - rq_us and wait_us. On a
// VM, cpu_us leaves out the time the hypervisor took the CPU away
// (steal), which a clock read at context switches counts as on-CPU: a
// spinner's on-CPU wall time is wall_us - rq_us.
//
// The set-up that waits for other things (writing and syncing the 16 MiB
// file in DIR, default $WAITS_DIR or the current folder; the loopback TCP
// connection) is done by main before the threads exist, so it shows under
// the main thread's name, "waits", and not under any w_ thread. The file
// is unlinked as soon as it is open: nothing is left behind even if the
// workload is killed. It exits 0, 1 if a call failed, 2 on bad usage.
#define _GNU_SOURCE /* pthread_setname_np, O_DIRECT, CPU_SET */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS	   100
#define NAP_NS	   10000000L /* each sleep, answer delay and lock hold: 10 ms */
#define SPIN_NS	   1000000000L
#define DISK_NS	   800000000L
#define FILE_SIZE  (16L << 20)
#define BLOCK_SIZE (4L << 20)

struct worker {
	const char *name;
	int64_t (*loop)(void); /* returns the ns spent in the waiting calls, or -1 */
	int cpu;	       /* pinned to this CPU, or -1 */
	pthread_t thread;
	pid_t tid;
	int64_t wait_ns, cpu_ns, wall_ns, rq_ns;
};

static pthread_barrier_t start_barrier;
static int disk_fd = -1;
static void *disk_buf;
static int net_fd[2] = {-1, -1}; /* [0] w_net's end, [1] w_netpeer's */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int held_round;  /* the round the holder holds the lock for */
static atomic_int acked_round; /* the last round the waiter got the lock in */
static pthread_mutex_t ack_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ack_cond = PTHREAD_COND_INITIALIZER;
static volatile unsigned long spin_sink;

static void die(const char *what)
{
	fprintf(stderr, "waits: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* The thread's time runnable but not running, in ns, or -1. */
static int64_t run_delay_ns(void)
{
	unsigned long long on_cpu, delay;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu", &on_cpu, &delay);
	fclose(f);
	return n == 2 ? (int64_t)delay : -1;
}

/*
 * Frame pointers: libc's wrappers keep none, so a frame-pointer walk from
 * inside one goes on from the frame of whoever called libc, and misses
 * that function itself. Every waiting call is therefore made from a small
 * helper (nap, read_block, recv_byte, take_lock), which the walk misses in
 * place of the named loop above it. recv and send go through syscall(2):
 * in a process with threads, glibc's recv keeps its cancellation state in
 * %rbp, and a walk from there ends at recv.
 */

/* nanosleep for ns, to the end even across signals; returns the ns it took. */
static int64_t nap(long ns)
{
	struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
	int64_t t = now_ns();

	while (nanosleep(&ts, &ts) != 0)
		if (errno != EINTR)
			die("nanosleep");
	return now_ns() - t;
}

/* A short stretch of pure CPU work between two clock reads. */
void spin_chunk(void)
{
	volatile unsigned long acc = 0;

	for (unsigned long i = 0; i < 20000; i++)
		acc = acc * 31 + i;
	spin_sink = acc;
}

/* Stay on the CPU for ns of wall time. */
static void spin_for(int64_t ns)
{
	int64_t end = now_ns() + ns;

	while (now_ns() < end)
		spin_chunk();
}

int64_t sleeper_loop(void)
{
	int64_t waited = 0;

	for (int i = 0; i < ROUNDS; i++)
		waited += nap(NAP_NS);
	return waited;
}

/* One O_DIRECT read of a block; returns the ns it took. */
static int64_t read_block(off_t off)
{
	int64_t t = now_ns();

	if (pread(disk_fd, disk_buf, BLOCK_SIZE, off) != BLOCK_SIZE)
		die("pread O_DIRECT");
	return now_ns() - t;
}

/* Large reads: the wait for the device dwarfs the CPU time of a read. */
int64_t disk_loop(void)
{
	int64_t start = now_ns(), waited = 0;
	off_t off = 0;

	while (now_ns() - start < DISK_NS) {
		waited += read_block(off);
		off = (off + BLOCK_SIZE) % FILE_SIZE;
	}
	return waited;
}

/* Receive one byte; returns the ns it took. */
static int64_t recv_byte(int fd)
{
	int64_t t = now_ns();
	char c;
	long n;

	while ((n = syscall(SYS_recvfrom, fd, &c, 1, 0, NULL, NULL)) != 1)
		if (n == 0 || errno != EINTR)
			die("recv");
	return now_ns() - t;
}

static void send_byte(int fd)
{
	char c = 'x';

	while (syscall(SYS_sendto, fd, &c, 1, 0, NULL, 0) != 1)
		if (errno != EINTR)
			die("send");
}

int64_t net_loop(void)
{
	int64_t waited = 0;

	for (int i = 0; i < ROUNDS; i++) {
		send_byte(net_fd[0]);
		waited += recv_byte(net_fd[0]);
	}
	return waited;
}

/* The answer comes 10 ms after the question: w_net waits in recv. */
int64_t netpeer_loop(void)
{
	int64_t waited = 0;

	for (int i = 0; i < ROUNDS; i++) {
		recv_byte(net_fd[1]);
		waited += nap(NAP_NS);
		send_byte(net_fd[1]);
	}
	return waited;
}

/* pthread_mutex_lock; returns the ns it took. */
static int64_t take_lock(pthread_mutex_t *m)
{
	int64_t t = now_ns();

	pthread_mutex_lock(m);
	return now_ns() - t;
}

/*
 * The waiter spins until the holder holds the lock for this round, so
 * that pthread_mutex_lock always blocks, for the rest of the holder's
 * 10 ms. Its only other waits are a runqueue slot now and then: the
 * holder never makes it block on anything else.
 */
int64_t lock_loop(void)
{
	int64_t waited = 0;

	for (int r = 1; r <= ROUNDS; r++) {
		while (atomic_load(&held_round) != r)
			;
		waited += take_lock(&lock);
		pthread_mutex_unlock(&lock);
		pthread_mutex_lock(&ack_mutex);
		atomic_store(&acked_round, r);
		pthread_cond_signal(&ack_cond);
		pthread_mutex_unlock(&ack_mutex);
	}
	return waited;
}

/*
 * The holder blocks (rather than spins) for the waiter's acknowledgement,
 * so the waiter, just woken from the lock, does not have to win a CPU
 * from it.
 */
int64_t holder_loop(void)
{
	int64_t waited = 0;

	for (int r = 1; r <= ROUNDS; r++) {
		pthread_mutex_lock(&lock);
		atomic_store(&held_round, r);
		waited += nap(NAP_NS);
		pthread_mutex_unlock(&lock);
		pthread_mutex_lock(&ack_mutex);
		while (atomic_load(&acked_round) != r)
			pthread_cond_wait(&ack_cond, &ack_mutex);
		pthread_mutex_unlock(&ack_mutex);
	}
	return waited;
}

/* Two of these share one CPU: each is runnable all along, and runs half of it. */
int64_t runq_loop(void)
{
	spin_for(SPIN_NS);
	return -1;
}

int64_t cpu_loop(void)
{
	spin_for(SPIN_NS);
	return -1;
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	int64_t t0, c0, r0;
	cpu_set_t set;

	w->tid = gettid();
	pthread_setname_np(pthread_self(), w->name);
	if (w->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		errno = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		if (errno)
			die("pthread_setaffinity_np");
	}
	pthread_barrier_wait(&start_barrier);
	r0 = run_delay_ns();
	c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	t0 = now_ns();
	w->wait_ns = w->loop();
	w->wall_ns = now_ns() - t0;
	w->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	w->rq_ns = r0 < 0 ? -1 : run_delay_ns() - r0;
	/*
	 * The spinners wait only for a CPU. wall - cpu would also count the
	 * time a hypervisor took the virtual CPU away (steal), which is no
	 * wait the guest's scheduler or a profiler in it can see.
	 */
	if (w->wait_ns < 0)
		w->wait_ns = w->rq_ns >= 0 ? w->rq_ns : w->wall_ns - w->cpu_ns;
	return NULL;
}

/* The 16 MiB file, written and synced once, open for O_DIRECT reads. */
static void disk_setup(const char *dir)
{
	char path[4096];
	struct statfs fs;
	int fd;

	snprintf(path, sizeof(path), "%s/waits-disk.%d", dir, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	if (posix_memalign(&disk_buf, 4096, BLOCK_SIZE))
		die("posix_memalign");
	for (long off = 0; off < FILE_SIZE; off += BLOCK_SIZE) {
		memset(disk_buf, (int)(off / BLOCK_SIZE), BLOCK_SIZE);
		if (write(fd, disk_buf, BLOCK_SIZE) != BLOCK_SIZE)
			die("write");
	}
	if (fsync(fd))
		die("fsync");
	close(fd);
	disk_fd = open(path, O_RDONLY | O_DIRECT);
	if (disk_fd < 0)
		die("open O_DIRECT");
	unlink(path);
	/* tmpfs takes O_DIRECT but serves it from memory: no disk wait at all */
	if (fstatfs(disk_fd, &fs) == 0 && fs.f_type == TMPFS_MAGIC) {
		fprintf(stderr, "waits: %s is on tmpfs: its reads would not wait for a disk\n",
			dir);
		exit(1);
	}
}

/* A loopback TCP connection, both ends here; Nagle off for 1-byte rounds. */
static void net_setup(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t len = sizeof(addr);
	int lfd, one = 1;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len))
		die("listen on 127.0.0.1");
	net_fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (net_fd[0] < 0 || connect(net_fd[0], (struct sockaddr *)&addr, sizeof(addr)))
		die("connect to 127.0.0.1");
	net_fd[1] = accept(lfd, NULL, NULL);
	if (net_fd[1] < 0)
		die("accept");
	close(lfd);
	setsockopt(net_fd[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(net_fd[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* The lowest and highest CPU this process may run on. */
static void cpu_bounds(int *first, int *last)
{
	cpu_set_t set;

	*first = *last = 0;
	if (sched_getaffinity(0, sizeof(set), &set))
		die("sched_getaffinity");
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, &set)) {
			*last = c;
			break;
		}
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			*first = c;
			break;
		}
}

static void usage(void)
{
	fprintf(stderr, "usage: waits [-w DELAY_MS] [-d DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct worker workers[] = {
		{.name = "w_sleep", .loop = sleeper_loop},
		{.name = "w_disk", .loop = disk_loop},
		{.name = "w_net", .loop = net_loop},
		{.name = "w_netpeer", .loop = netpeer_loop},
		{.name = "w_lock", .loop = lock_loop},
		{.name = "w_holder", .loop = holder_loop},
		{.name = "w_runq1", .loop = runq_loop},
		{.name = "w_runq2", .loop = runq_loop},
		{.name = "w_cpu", .loop = cpu_loop},
	};
	const int n = sizeof(workers) / sizeof(workers[0]);
	const char *dir = getenv("WAITS_DIR");
	long delay_ms = 0;
	int first, last, opt;
	char *end;

	while ((opt = getopt(argc, argv, "w:d:")) != -1) {
		switch (opt) {
		case 'w':
			errno = 0;
			delay_ms = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || delay_ms < 0)
				usage();
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!dir || !*dir)
		dir = ".";

	cpu_bounds(&first, &last);
	/*
	 * The lock's two threads on different CPUs: a wakeup is placed on the
	 * waker's CPU, where the holder, woken by the waiter's acknowledgement,
	 * would wait for the spinning waiter's slice to end.
	 */
	for (int i = 0; i < n; i++) {
		struct worker *w = &workers[i];

		w->cpu = -1;
		if (w->loop == runq_loop || w->loop == holder_loop)
			w->cpu = last;
		else if (w->loop == cpu_loop || w->loop == lock_loop)
			w->cpu = first;
	}

	disk_setup(dir);
	net_setup();
	/* Before any thread exists: an attaching profiler sees only main asleep. */
	nap(delay_ms * 1000000L);

	pthread_barrier_init(&start_barrier, NULL, n);
	for (int i = 0; i < n; i++) {
		errno = pthread_create(&workers[i].thread, NULL, thread_main, &workers[i]);
		if (errno)
			die("pthread_create");
	}
	for (int i = 0; i < n; i++)
		pthread_join(workers[i].thread, NULL);

	for (int i = 0; i < n; i++) {
		struct worker *w = &workers[i];

		printf("TRUTH name=%s wait_us=%lld cpu_us=%lld wall_us=%lld tid=%d rq_us=%lld\n",
		       w->name, (long long)(w->wait_ns / 1000), (long long)(w->cpu_ns / 1000),
		       (long long)(w->wall_ns / 1000), (int)w->tid,
		       (long long)(w->rq_ns < 0 ? -1 : w->rq_ns / 1000));
	}
	return 0;
}
