/* tinhoc judge fork-server: runs as root inside one bubblewrap sandbox per submission.
 *
 * Why a fork-server: starting bubblewrap costs several milliseconds, so one sandbox hosts
 * this helper for the whole submission and every test is only clone + fork + exec.
 *
 * Protocol (fd 0 in, fd 1 out, one request at a time):
 *   request  = uint32 length (native endian) + payload of NUL-terminated fields:
 *              cpu_ms wall_ms as_kib fsize_bytes nproc nofile stack_kib mmap_max_bytes
 *              stdin stdout stderr cwd argc argv... envc env...
 *              ("" for stdin/stdout/stderr means /dev/null; 0 for a limit means none)
 *   reply    = one text line:
 *              "exited code signal cpu_us wall_us maxrss_kib flags stage errno\n"
 *              flags: 1 = killed for CPU time, 2 = killed for wall time;
 *              stage != 0: the run could not be set up (errno says why), nothing was executed.
 *
 * Each run gets its own PID namespace: the helper clones an init process (pid 1 there) which
 * forks the contestant's program (pid 2), watches its CPU clock and the wall clock, kills it at
 * the limit and reaps it with wait4 (CPU time, peak RSS). When that init exits the kernel kills
 * every process left in the namespace (fork bombs, daemons that setsid), so nothing survives a run.
 * The program runs under an unprivileged uid with rlimits, no_new_privs, an empty capability
 * bounding set and a seccomp filter.
 *
 * Cgroups (argv after UID GID: CPUFD CPUKIND JOINFD...): the judge opens, on the host, the
 * cgroup.procs files of the run's own cgroups (memory, pids, cpu accounting) and passes them as
 * inherited descriptors. The program writes "0" (itself) into each while still privileged, so
 * its memory (tmpfs files included), processes and CPU are counted apart from bubblewrap and this
 * helper: a program that fills /box with files is killed by the OOM killer in its own cgroup (MLE)
 * and can never take the helper down with it. CPUFD (-1 for none) reads that cgroup's CPU usage
 * (CPUKIND 1: cgroup v1 cpuacct.usage in ns, 2: v2 cpu.stat usage_usec), which the watchdog polls:
 * the CPU of every process of the run counts, children included. Without it the watchdog reads the
 * program's own CPU clock and the children's CPU counts once they are reaped.
 *
 * A cgroup migration costs a grace period of the kernel (about 10 ms, sleeping), so the next run
 * is prepared while the current one runs: a spare init with its program process, already in the
 * run's cgroups, waits for the next request (see make_spare). Until the request arrives that
 * process holds no privilege it did not have and runs nothing of the contestant's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define MAX_PAYLOAD (1 << 20)
#define MAX_ARGS 4096

enum { STAGE_OK = 0, STAGE_STDIN = 1, STAGE_RLIMIT = 2, STAGE_SETUID = 3, STAGE_CHDIR = 4,
       STAGE_STDOUT = 5, STAGE_STDERR = 6, STAGE_SECCOMP = 7, STAGE_EXEC = 8, STAGE_FORK = 9,
       STAGE_REQUEST = 10, STAGE_CGROUP = 11, STAGE_CAPS = 12 };

struct request {
    long cpu_ms, wall_ms, as_kib, fsize, nproc, nofile, stack_kib, mmap_max;
    char *in, *out, *err, *cwd;
    struct sock_fprog *filter;
    char *argv[MAX_ARGS + 1];
    char *envp[MAX_ARGS + 1];
};

struct result {
    int status, flags, stage, err;
    long cpu_us, wall_us, maxrss;
};

static uid_t box_uid;
static gid_t box_gid;
static int cpu_fd = -1, cpu_kind = 0;
#define MAX_JOIN 8
static int join_fds[MAX_JOIN];
static int njoin;

static void die(const char *what) {
    dprintf(2, "tinhoc-helper: %s: %s\n", what, strerror(errno));
    _exit(111);
}

static int read_full(int fd, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r == 0) return got == 0 ? 0 : -1;
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        got += r;
    }
    return 1;
}

static void write_full(int fd, const char *buf, size_t n) {
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) { if (errno == EINTR) continue; die("write"); }
        buf += w; n -= w;
    }
}

static void build_filter(long mmap_max, struct sock_fprog *out) {
    static const char *deny[] = {
        "ptrace", "mount", "umount2", "pivot_root", "chroot", "kexec_load", "kexec_file_load",
        "reboot", "init_module", "finit_module", "delete_module", "swapon", "swapoff", "unshare",
        "setns", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
        "acct", "quotactl", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "syslog",
        "process_vm_readv", "process_vm_writev", "open_by_handle_at", "name_to_handle_at",
        "io_uring_setup", "io_uring_enter", "io_uring_register", "fanotify_init", "lookup_dcookie",
        "vhangup", "sethostname", "setdomainname", "iopl", "ioperm", "fsopen", "fsmount",
        "fsconfig", "fspick", "move_mount", "open_tree", "mount_setattr", "kcmp", "pidfd_getfd",
        "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
        "setgroups", "setfsuid", "setfsgid", "capset", "uselib", "nfsservctl", "lsm_set_self_attr",
        NULL };
    static const unsigned long ns_flags[] = { CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET,
        CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP, 0 };
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) die("seccomp_init");
    /* 32-bit (int 0x80) and x32 system calls would bypass the rules: make them fail. (Not kill:
     * SIGSYS is reserved for the mmap rule below, reported as MLE.) */
    if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS)) < 0) die("badarch");
    for (int i = 0; deny[i]; i++) {
        int nr = seccomp_syscall_resolve_name(deny[i]);
        if (nr == __NR_SCMP_ERROR) continue;
        if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) < 0) die(deny[i]);
    }
    /* Only local (AF_UNIX) sockets: no internet socket at all, not even to loopback. */
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
                         SCMP_A0(SCMP_CMP_NE, AF_UNIX)) < 0) die("rule socket");
    for (int i = 0; ns_flags[i]; i++)
        if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i])) < 0) die("rule clone");
    /* clone3 passes its flags in memory, which seccomp cannot inspect: report it missing so
     * libc falls back to clone, whose flags are checked above. */
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0) die("rule clone3");
    /* A single mapping larger than the memory limit can only be a memory bomb: kill the program
     * with SIGSYS, which the judge reports as MLE. Without this the allocation would fail at once
     * (overcommit, RLIMIT_AS) and the program die of bad_alloc/MemoryError as a mere RE. */
    if (mmap_max > 0) {
        if (seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(mmap), 1,
                             SCMP_A1(SCMP_CMP_GT, (scmp_datum_t)mmap_max)) < 0) die("rule mmap");
        if (seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(mremap), 1,
                             SCMP_A2(SCMP_CMP_GT, (scmp_datum_t)mmap_max)) < 0) die("rule mremap");
    }
    /* Export the BPF once; each run loads it with a single prctl. */
    int fd = memfd_create("seccomp", 0);
    if (fd < 0) die("memfd_create");
    if (seccomp_export_bpf(ctx, fd) < 0) die("seccomp_export_bpf");
    off_t size = lseek(fd, 0, SEEK_END);
    struct sock_filter *prog = malloc(size);
    if (!prog || pread(fd, prog, size, 0) != size) die("read bpf");
    close(fd);
    seccomp_release(ctx);
    out->len = size / sizeof(struct sock_filter);
    out->filter = prog;
}

/* One filter per distinct mmap ceiling, built once (libseccomp) and loaded per run (one prctl). */
#define MAX_FILTERS 16
static struct { long mmap_max; struct sock_fprog prog; } filters[MAX_FILTERS];
static int nfilters;

static struct sock_fprog *get_filter(long mmap_max) {
    for (int i = 0; i < nfilters; i++)
        if (filters[i].mmap_max == mmap_max) return &filters[i].prog;
    int slot = nfilters < MAX_FILTERS ? nfilters++ : MAX_FILTERS - 1;
    if (filters[slot].prog.filter) free(filters[slot].prog.filter);
    filters[slot].mmap_max = mmap_max;
    build_filter(mmap_max, &filters[slot].prog);
    return &filters[slot].prog;
}

static int parse_request(char *buf, size_t n, struct request *r) {
    char *fields[2 * MAX_ARGS + 16];
    size_t nf = 0;
    char *p = buf, *end = buf + n;
    while (p < end && nf < sizeof fields / sizeof *fields) {
        char *z = memchr(p, 0, end - p);
        if (!z) return -1;
        fields[nf++] = p;
        p = z + 1;
    }
    if (nf < 14) return -1;
    r->cpu_ms = atol(fields[0]); r->wall_ms = atol(fields[1]); r->as_kib = atol(fields[2]);
    r->fsize = atol(fields[3]); r->nproc = atol(fields[4]); r->nofile = atol(fields[5]);
    r->stack_kib = atol(fields[6]); r->mmap_max = atol(fields[7]);
    r->in = fields[8]; r->out = fields[9]; r->err = fields[10]; r->cwd = fields[11];
    size_t i = 12;
    long argc = atol(fields[i++]);
    if (argc < 1 || argc > MAX_ARGS || i + argc >= nf) return -1;
    for (long k = 0; k < argc; k++) r->argv[k] = fields[i++];
    r->argv[argc] = NULL;
    long envc = atol(fields[i++]);
    if (envc < 0 || envc > MAX_ARGS || i + envc > nf) return -1;
    for (long k = 0; k < envc; k++) r->envp[k] = fields[i++];
    r->envp[envc] = NULL;
    return 0;
}

static void fail(int errfd, int stage) {
    int msg[2] = { stage, errno };
    if (write(errfd, msg, sizeof msg) < 0) {}
    _exit(127);
}

static void set_limit(int errfd, int res, rlim_t soft, rlim_t hard) {
    struct rlimit rl = { soft, hard };
    if (setrlimit(res, &rl) < 0) fail(errfd, STAGE_RLIMIT);
}

static int open_output(const char *path) {
    if (!*path) return open("/dev/null", O_WRONLY);
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
}

/* "/box/name": root may unlink it without following a directory the program planted. */
static int directly_in_box(const char *path) {
    return strncmp(path, "/box/", 5) == 0 && path[5] && !strchr(path + 5, '/') &&
           strcmp(path + 5, ".") != 0 && strcmp(path + 5, "..") != 0;
}

/* The contestant's process: pid 2 of the run's namespace. Never returns. */
static void exec_program(struct request *r, int errfd) {
    /* Whatever OOM strikes the sandbox, the program (and its children) go first, never the helper
     * (raising the score needs no privilege; lowering the helper's is refused on some hosts). */
    int fd = open("/proc/self/oom_score_adj", O_WRONLY);
    if (fd >= 0) { if (write(fd, "1000", 4) < 0) {} close(fd); }
    /* stdin is opened with the helper's rights: test data need not be world-readable. */
    fd = open(*r->in ? r->in : "/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || dup2(fd, 0) < 0) fail(errfd, STAGE_STDIN);
    if (r->cpu_ms > 0) {
        rlim_t s = (rlim_t)(r->cpu_ms / 1000) + 2;   /* backstop only: the init polls the CPU clock */
        set_limit(errfd, RLIMIT_CPU, s, s + 1);
    }
    if (r->as_kib > 0) set_limit(errfd, RLIMIT_AS, (rlim_t)r->as_kib * 1024, (rlim_t)r->as_kib * 1024);
    if (r->fsize > 0) set_limit(errfd, RLIMIT_FSIZE, r->fsize, r->fsize);
    if (r->nofile > 0) set_limit(errfd, RLIMIT_NOFILE, r->nofile, r->nofile);
    if (r->nproc > 0) set_limit(errfd, RLIMIT_NPROC, r->nproc, r->nproc);
    if (r->stack_kib > 0) set_limit(errfd, RLIMIT_STACK, (rlim_t)r->stack_kib * 1024, (rlim_t)r->stack_kib * 1024);
    set_limit(errfd, RLIMIT_CORE, 0, 0);
    set_limit(errfd, RLIMIT_MEMLOCK, 0, 0);
    set_limit(errfd, RLIMIT_MSGQUEUE, 0, 0);
    /* A stale output file (the judge's, or one the program chmodded) would not open for the
     * contestant's uid: start from none (only a file right in /box, never through a directory). */
    if (directly_in_box(r->out)) unlink(r->out);
    if (directly_in_box(r->err) && strcmp(r->err, r->out) != 0) unlink(r->err);
    /* Nothing the program executes may ever regain a capability. */
    for (int cap = 0; cap <= 63; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) fail(errfd, STAGE_CAPS);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        fail(errfd, STAGE_CAPS);
    if (setgroups(0, NULL) < 0 || setresgid(box_gid, box_gid, box_gid) < 0 ||
        setresuid(box_uid, box_uid, box_uid) < 0) fail(errfd, STAGE_SETUID);
    if (chdir(r->cwd) < 0) fail(errfd, STAGE_CHDIR);
    /* Output files are created by the contestant's uid, never following a planted symlink. */
    fd = open_output(r->out);
    if (fd < 0 || dup2(fd, 1) < 0) fail(errfd, STAGE_STDOUT);
    if (*r->err && strcmp(r->err, r->out) == 0 && *r->out) {
        if (dup2(1, 2) < 0) fail(errfd, STAGE_STDERR);
    } else {
        fd = open_output(r->err);
        if (fd < 0 || dup2(fd, 2) < 0) fail(errfd, STAGE_STDERR);
    }
    if (errfd > 3) syscall(SYS_close_range, 3, errfd - 1, 0);
    syscall(SYS_close_range, errfd + 1, ~0U, 0);
    /* The helper ignores SIGPIPE for its own pipes; an ignored signal survives execve, so give the
     * program the default back: a writer to a closed pipe dies of SIGPIPE as it would anywhere. */
    signal(SIGPIPE, SIG_DFL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(errfd, STAGE_SECCOMP);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, r->filter) < 0) fail(errfd, STAGE_SECCOMP);
    execve(r->argv[0], r->argv, r->envp);
    fail(errfd, STAGE_EXEC);
}

/* CPU seconds used so far by the run's cgroup, or -1 when unknown. */
static double cgroup_cpu(void) {
    char buf[512];
    if (cpu_fd < 0) return -1;
    ssize_t n = pread(cpu_fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return -1;
    buf[n] = 0;
    if (cpu_kind == 1) return strtod(buf, NULL) / 1e9;
    char *p = strstr(buf, "usage_usec ");
    return p ? strtod(p + 11, NULL) / 1e6 : -1;
}

static char req_buf[MAX_PAYLOAD + 1];

/* Read one request (uint32 length + payload) into req_buf; 1 on success, 0 on EOF, -1 on error. */
static int read_request(int fd, uint32_t *len) {
    int got = read_full(fd, len, sizeof *len);
    if (got <= 0) return got;
    if (*len > MAX_PAYLOAD || read_full(fd, req_buf, *len) != 1) return -1;
    req_buf[*len] = 0;
    return 1;
}

/* The program's process of a spare run: joins the run's cgroups now ("0" = itself), while the
 * previous run goes on, then waits for its request and becomes the program. */
static void spare_program(int go_fd, int errfd) {
    static struct request r;
    int join_err = 0;
    for (int i = 0; i < njoin; i++)
        if (write(join_fds[i], "0", 1) != 1 && !join_err) join_err = errno ? errno : EIO;
    uint32_t len;
    if (read_request(go_fd, &len) != 1 || parse_request(req_buf, len, &r) < 0) _exit(0);
    if (join_err) { errno = join_err; fail(errfd, STAGE_CGROUP); }
    r.filter = get_filter(r.mmap_max);
    exec_program(&r, errfd);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* pid 1 of the run's namespace: runs the program, enforces time, reports, exits (which kills
 * whatever the program left behind). */
static void run_init(struct request *r, int resfd, pid_t pid, int go_fd, int err_fd, uint32_t len) {
    struct result res = { 0 };
    int errp[2] = { err_fd, -1 };
    double cg0 = cgroup_cpu();     /* what earlier runs left in the cgroup's counter */
    double t0 = now_s();
    /* Go: the waiting program process reads its request and starts. */
    if (write(go_fd, &len, sizeof len) != sizeof len) { res.stage = STAGE_FORK; res.err = errno; goto out; }
    write_full(go_fd, req_buf, len);
    close(go_fd);
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    clockid_t cpu_clock;
    int have_clock = clock_getcpuclockid(pid, &cpu_clock) == 0;
    double cpu_limit = r->cpu_ms / 1000.0, wall_limit = r->wall_ms / 1000.0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1) ncpu = 1;
    for (;;) {
        double elapsed = now_s() - t0;
        double wait = 3600;
        if (r->wall_ms > 0) {
            if (elapsed >= wall_limit) { res.flags |= 2; break; }
            wait = wall_limit - elapsed;
        }
        if (r->cpu_ms > 0 && (have_clock || cg0 >= 0)) {
            struct timespec ts;
            double cpu = -1;
            if (cg0 >= 0) {
                double now = cgroup_cpu();
                if (now >= 0) cpu = now - cg0;
            }
            if (cpu < 0 && have_clock && clock_gettime(cpu_clock, &ts) == 0)
                cpu = ts.tv_sec + ts.tv_nsec / 1e9;
            if (cpu >= 0) {
                if (cpu >= cpu_limit) { res.flags |= 1; break; }
                /* CPU time cannot grow faster than ncpu x wall time: sleep no longer than that. */
                double w = (cpu_limit - cpu) / ncpu;
                if (w < wait) wait = w;
            }
        }
        int ms = (int)ceil(wait * 1000);
        if (ms < 1) ms = 1;
        if (pfd >= 0) {
            struct pollfd p = { pfd, POLLIN, 0 };
            int n = poll(&p, 1, ms);
            if (n > 0) break;
        } else {
            /* No pidfd (kernel < 5.3): poll for the exit without reaping. */
            siginfo_t si;
            memset(&si, 0, sizeof si);
            if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) break;
            usleep(ms > 5 ? 5000 : ms * 1000);
        }
    }
    if (res.flags) kill(pid, SIGKILL);
    struct rusage ru;
    int status = 0;
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {}
    res.wall_us = (long)((now_s() - t0) * 1e6);
    /* Whatever the program left running (children, daemons) dies now, before the CPU is read. */
    kill(-1, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
    res.status = status;
    res.cpu_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec +
                 ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
    struct rusage all;
    if (getrusage(RUSAGE_CHILDREN, &all) == 0) {
        /* the program and every process that was reparented here (orphans) */
        long total = all.ru_utime.tv_sec * 1000000L + all.ru_utime.tv_usec +
                     all.ru_stime.tv_sec * 1000000L + all.ru_stime.tv_usec;
        if (total > res.cpu_us) res.cpu_us = total;
    }
    if (cg0 >= 0) {
        double now = cgroup_cpu();
        if (now >= 0 && (long)((now - cg0) * 1e6) > res.cpu_us) res.cpu_us = (long)((now - cg0) * 1e6);
    }
    res.maxrss = ru.ru_maxrss;
    int msg[2];
    if (read(errp[0], msg, sizeof msg) == sizeof msg) { res.stage = msg[0]; res.err = msg[1]; }
out:
    if (write(resfd, &res, sizeof res) < 0) {}
    _exit(0);
}

/* pid 1 of a spare run: forks the program's process (which joins the run's cgroups at once),
 * then waits for the request, starts the program and watches it. */
static void spare_init(int req_fd, int resfd) {
    int go[2], errp[2];
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) _exit(1);
    pid_t pid = fork();
    if (pid < 0) _exit(1);
    if (pid == 0) { close(go[1]); close(errp[0]); close(req_fd); close(resfd); spare_program(go[0], errp[1]); }
    close(go[0]);
    close(errp[1]);
    static struct request r;
    uint32_t len;
    if (read_request(req_fd, &len) != 1 || parse_request(req_buf, len, &r) < 0) {
        kill(pid, SIGKILL);      /* no run after all (the sandbox is closing) */
        _exit(0);
    }
    close(req_fd);
    run_init(&r, resfd, pid, go[1], errp[0], len);
}

struct spare { pid_t init; int req_fd, res_fd; };

/* A run made ready in advance: its init (in a new PID namespace) and the program's process. */
static struct spare make_spare(void) {
    struct spare sp;
    int rq[2], rs[2];
    if (pipe2(rq, O_CLOEXEC) < 0 || pipe2(rs, O_CLOEXEC) < 0) die("pipe");
    sp.init = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
    if (sp.init < 0) die("clone");
    if (sp.init == 0) {
        /* not the judge's pipes: /dev/null on 0 and 1 (so no later descriptor lands there) */
        int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0) _exit(1);
        if (null > 1) close(null);
        close(rq[1]); close(rs[0]);
        spare_init(rq[0], rs[1]);
    }
    close(rq[0]);
    close(rs[1]);
    sp.req_fd = rq[1];
    sp.res_fd = rs[0];
    return sp;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: helper UID GID [CPUFD CPUKIND JOINFD...]\n"); return 2; }
    box_uid = (uid_t)atol(argv[1]);
    box_gid = (gid_t)atol(argv[2]);
    if (argc >= 5) { cpu_fd = atoi(argv[3]); cpu_kind = atoi(argv[4]); }
    for (int i = 5; i < argc && njoin < MAX_JOIN; i++) join_fds[njoin++] = atoi(argv[i]);
    signal(SIGPIPE, SIG_IGN);
    get_filter(0);   /* fail at start-up, not on the first run, if libseccomp is broken */
    static struct request req;
    struct spare next = make_spare();
    write_full(1, "READY\n", 6);
    for (;;) {
        uint32_t len;
        int got = read_request(0, &len);
        if (got == 0) return 0;
        if (got < 0) die("bad request");
        struct result res = { 0 };
        char line[256];
        if (parse_request(req_buf, len, &req) < 0) {
            res.stage = STAGE_REQUEST; res.err = EINVAL;
        } else {
            get_filter(req.mmap_max);          /* built here once, inherited by later spares */
            struct spare cur = next;
            write_full(cur.req_fd, (const char *)&len, sizeof len);
            write_full(cur.req_fd, req_buf, len);
            close(cur.req_fd);
            next = make_spare();               /* its cgroup join overlaps this run */
            int st;
            while (waitpid(cur.init, &st, 0) < 0 && errno == EINTR) {}
            if (read(cur.res_fd, &res, sizeof res) != sizeof res) { res.stage = STAGE_FORK; res.err = EIO; }
            close(cur.res_fd);
        }
        int exited = WIFEXITED(res.status), code = exited ? WEXITSTATUS(res.status) : -1;
        int sig = WIFSIGNALED(res.status) ? WTERMSIG(res.status) : 0;
        int n = snprintf(line, sizeof line, "%d %d %d %ld %ld %ld %d %d %d\n", exited, code, sig,
                         res.cpu_us, res.wall_us, res.maxrss, res.flags, res.stage, res.err);
        write_full(1, line, n);
    }
}
