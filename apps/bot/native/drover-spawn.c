/*
 * drover-spawn: the bot's fork server (apps/bot/src/containment/fork-server.ts).
 *
 * The bot is a Node.js process of ~100 MiB; every fork of it copies its page tables, about 5 ms
 * of CPU per payload on a loaded 2-core host. This small process, started once by the bot, forks
 * the payloads instead (a fraction of a millisecond) — straight into the task's cgroup with
 * clone3(CLONE_INTO_CGROUP), so no process is ever moved between cgroups — and tells the bot the
 * payload's pid, the two pipes it writes to (the bot opens them as /proc/<this pid>/fd/<n>, then
 * asks this process to close its own ends) and its exact wait status when it ends.
 *
 * Requests arrive on stdin as frames: a 4-byte little-endian length, then that many bytes.
 *   'S' id file cwd cgroup uid gid argc argv... envc env...    spawn (every field NUL-terminated;
 *                                                              cgroup, uid, gid empty: none)
 *   'C' fd fd                                                  close the two fds (the bot has them)
 * Replies go to stdout, a line each:
 *   S <id> <pid> <stdout fd> <stderr fd>     started
 *   E <id> <stage> <errno>                   not started: stage pipe|cgroup|clone|chdir|setid|exec
 *   X <pid> <exit code> <signal>             a payload ended (signal 0: it exited; else the code is -1)
 * At the end of stdin (the bot is gone) it exits; payloads still running are left alone (the
 * bot's next start, or its watchdog, deals with them, as with a payload the bot forked itself),
 * except those whose start the bot never took (no 'C'): they are killed, as nobody knows them.
 *
 * The payload: its own session and process group (setsid), stdin /dev/null, stdout and stderr the
 * pipes, the cwd, the task user's ids if given (supplementary groups dropped first, as libuv
 * does), every signal at its default and none blocked, then `file` with exactly `env`, found as
 * execvp finds it — after the switch to the task user, on the PATH of `env` — and a file the
 * kernel calls ENOEXEC run through /bin/sh, as execvp would.
 *
 * The server has a session of its own (the bot starts it so) and ignores the signals a terminal
 * or a supervisor sends a whole group (INT, TERM, HUP, QUIT): the bot decides when its payloads
 * stop, and ends the server by closing its stdin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* The longest request: a launch's argv and env stay well below the kernel's own limit. */
#define MAX_FRAME (8u << 20)

static int sfd = -1;
/* clone3 is not there (or not allowed): every payload is forked and moves itself. */
static int no_clone3;
/* Whether the server may be dumped (its /proc files the bot user's): what it is restored to. */
static int dumpable = 1;

/* Payloads whose pipes the bot has not taken yet (no 'C' for them): if the bot is gone before it
 * does, nobody will ever read them or know of them, and they are killed. */
struct handed {
  pid_t pid;
  int out, err;
};
static struct handed *handed;
static size_t nhanded, caphanded;

static void hand_out(pid_t pid, int out, int err) {
  if (nhanded == caphanded) {
    size_t cap = caphanded == 0 ? 16 : caphanded * 2;
    struct handed *grown = realloc(handed, cap * sizeof *handed);
    if (grown == NULL) {
      dprintf(2, "drover-spawn: out of memory\n");
      _exit(70);
    }
    handed = grown;
    caphanded = cap;
  }
  handed[nhanded++] = (struct handed){pid, out, err};
}

static void taken(long out) {
  for (size_t i = 0; i < nhanded; i++)
    if (handed[i].out == out) {
      handed[i] = handed[--nhanded];
      return;
    }
}
static char *inbuf;
static size_t inlen, incap;

static void die(const char *why) {
  dprintf(2, "drover-spawn: %s: %s\n", why, strerror(errno));
  _exit(70);
}

/* The bot is gone (its end of stdin or stdout closed): payloads whose start it never took go
 * too, since nobody knows of them; the others are its to deal with (its next start, its
 * watchdog). Nothing is reported any more. */
static void bot_gone(void) {
  for (size_t i = 0; i < nhanded; i++)
    if (handed[i].pid > 0) kill(-handed[i].pid, SIGKILL);
  _exit(0);
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...) {
  char line[160];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n >= (int)sizeof line) n = (int)sizeof line - 1;
  for (int off = 0; off < n;) {
    ssize_t w = write(1, line + off, (size_t)(n - off));
    if (w < 0) {
      if (errno == EINTR) continue;
      bot_gone();
    }
    off += (int)w;
  }
}

/* A decimal number (no sign): -1 for anything else. By hand, so that the executable needs no
 * C library newer than the oldest it may run on (glibc 2.38 renamed strtol's symbol). */
static long number(const char *s) {
  long n = 0;
  if (*s == '\0') return -1;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9' || n > 429496729L) return -1;
    n = n * 10 + (*s - '0');
  }
  return n;
}

/* The next NUL-terminated field of a frame, or NULL past its end. */
static char *field(char **p, char *end) {
  if (*p >= end) return NULL;
  char *s = *p;
  char *nul = memchr(s, '\0', (size_t)(end - s));
  if (nul == NULL) return NULL;
  *p = nul + 1;
  return s;
}

/* What the child sends back through its close-on-exec pipe when it cannot exec. */
struct failure {
  int32_t stage;
  int32_t err;
};

static const char *const STAGES[] = {"pipe", "cgroup", "clone", "chdir", "setid", "exec"};
enum { ST_PIPE, ST_CGROUP, ST_CLONE, ST_CHDIR, ST_SETID, ST_EXEC };

static void child_fail(int fd, int stage) {
  struct failure f = {stage, errno};
  while (write(fd, &f, sizeof f) < 0 && errno == EINTR) {
  }
  _exit(127);
}

/* execve of `path` with argv + 1; a file of no known format through /bin/sh, as execvp runs it
 * (argv[0] is the slot for the shell). Returns only on failure, errno set. */
static void exec_one(char *path, char **argv, char **envp) {
  execve(path, argv + 1, envp);
  if (errno != ENOEXEC) return;
  argv[0] = "/bin/sh";
  argv[1] = path;
  execve("/bin/sh", argv, envp);
  errno = ENOEXEC;
}

/* execve of `file` as execvp would: a name with a slash as it is, else each PATH entry of `envp`
 * (default /bin:/usr/bin) in turn, skipping those that do not hold it or may not be searched; a
 * file of no known format runs through /bin/sh. Returns only on failure, errno set. */
static void exec_search(char *file, char **argv, char **envp) {
  if (strchr(file, '/') != NULL) {
    exec_one(file, argv, envp);
    return;
  }
  const char *path = "/bin:/usr/bin";
  for (char **e = envp; *e != NULL; e++)
    if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  size_t flen = strlen(file);
  int denied = 0;
  char buf[4352];
  for (const char *dir = path;; dir++) {
    const char *colon = strchr(dir, ':');
    size_t dlen = colon == NULL ? strlen(dir) : (size_t)(colon - dir);
    if (dlen + flen + 2 <= sizeof buf) {
      /* An empty entry is the cwd, as for execvp. */
      size_t n = 0;
      if (dlen > 0) {
        memcpy(buf, dir, dlen);
        n = dlen;
        buf[n++] = '/';
      }
      memcpy(buf + n, file, flen + 1);
      exec_one(buf, argv, envp);
      switch (errno) {
        case EACCES:
          denied = 1;
          break;
        case ENOENT:
        case ENOTDIR:
        case ESTALE:
        case ENODEV:
        case ETIMEDOUT:
        case ELOOP:
        case ENAMETOOLONG:
          break;
        default:
          return;
      }
    }
    if (colon == NULL) break;
    dir = colon;
  }
  errno = denied ? EACCES : ENOENT;
}

/* What the payload's side of the fork needs: all of it made before the fork. */
struct launch {
  int status;          /* the close-on-exec pipe the failure goes to */
  int out, err;        /* the write ends of the output pipes */
  int moved;           /* forked straight into its cgroup (clone3) */
  const char *cgroup;  /* "" for none */
  const char *cgroup_procs;
  const char *cwd;
  long uid, gid;
  char *file;
  char **argv, **envp;
};

/* The payload, from its fork to its exec. It may share the server's memory (CLONE_VM, the server
 * stopped until the exec): only system calls and the stack from here, nothing the server reads
 * after it, no return. */
static int payload(void *arg) {
  const struct launch *l = arg;
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  setsid();
  if (!l->moved && *l->cgroup != '\0') {
    /* No clone3 into the cgroup on this kernel: the payload moves itself before its exec. */
    int procs = open(l->cgroup_procs, O_WRONLY | O_CLOEXEC);
    if (procs < 0 || write(procs, "0", 1) != 1) child_fail(l->status, ST_CGROUP);
    close(procs);
  }
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(l->out, 1) < 0 || dup2(l->err, 2) < 0)
    child_fail(l->status, ST_PIPE);
  if (chdir(l->cwd) < 0) child_fail(l->status, ST_CHDIR);
  if (l->uid >= 0 || l->gid >= 0) {
    if (setgroups(0, NULL) < 0) child_fail(l->status, ST_SETID);
    if (l->gid >= 0 && setgid((gid_t)l->gid) < 0) child_fail(l->status, ST_SETID);
    if (l->uid >= 0 && setuid((uid_t)l->uid) < 0) child_fail(l->status, ST_SETID);
  }
  /* A payload not run as root gets none of the server's capabilities. A bot that is not root holds
   * some (CAP_SETUID and CAP_SETGID to switch to the task user, granted as ambient ones by its
   * service; more to manage what payloads leave): a switch between two users other than root
   * keeps them, and ambient ones survive an exec — with CAP_SETUID a payload could become root.
   * A payload that stays root is left as it was (root's, as the kernel gives them at its exec;
   * dropping them first would lose them for good under no_new_privs). */
  if (geteuid() != 0) {
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
      child_fail(l->status, ST_SETID);
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct no_caps[_LINUX_CAPABILITY_U32S_3];
    memset(no_caps, 0, sizeof no_caps);
    if (syscall(SYS_capset, &head, no_caps) < 0) child_fail(l->status, ST_SETID);
  }
  exec_search(l->file, l->argv, l->envp);
  child_fail(l->status, ST_EXEC);
  return 127;
}

#if defined(__x86_64__) && !defined(DROVER_SPAWN_COPY_FORK)
/*
 * clone3 as vfork does it: the payload shares the server's memory and runs on a stack of its own
 * while the server waits for its exec (CLONE_VM | CLONE_VFORK). Nothing is copied, so the fork
 * costs the same whatever the server holds, and the exec has no copy to tear down: ~0.4 ms to a
 * running payload where a copying clone3 took ~1.2 (measured on a 2-core VM). glibc's clone()
 * cannot place the payload in a cgroup (CLONE_INTO_CGROUP is clone3's), so the child's first
 * steps are here: on its new stack, call fn(arg), never come back. The server is single-threaded
 * and installs no signal handler, so nothing else runs on its memory meanwhile. Elsewhere (or
 * built with -DDROVER_SPAWN_COPY_FORK, as a test does; or where the kernel refuses it) a copying
 * clone3.
 *
 * What sharing changes: the child's setuid/setgid mark the shared memory not dumpable, and so the
 * server (its /proc/<pid>/fd, which the bot opens the pipes through, then needing CAP_SYS_PTRACE)
 * until the server says otherwise (after each such child's exec: see spawn_one); and the kernel
 * never picks a vfork child to end when its cgroup runs out of memory, so an exec that does not
 * fit the task's memory.max fails (ENOMEM) instead of the payload being killed. The task's cgroup
 * is new and empty when its payload is forked, so no other process of it is killed meanwhile.
 */
#define CLONE_SHARES_MEMORY 1
#define PAYLOAD_STACK_BYTES (256 * 1024)
/* Its own mapping, with an unmapped-on-access page below it: an overflow faults, it does not
 * write over the server's globals. */
static char *payload_stack;
/* The kernel refused a shared clone3 (EINVAL): copying ones from then on. */
static int no_shared_clone;

static pid_t clone3_run(struct clone_args *args, int (*fn)(void *), void *arg) {
  long ret;
  register long r8 __asm__("r8") = (long)arg;
  register long r9 __asm__("r9") = (long)fn;
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      /* The child, on its own stack: fn(arg), then exit with what it returned. */
      "xor %%ebp, %%ebp\n\t"
      "and $-16, %%rsp\n\t"
      "mov %%r8, %%rdi\n\t"
      "call *%%r9\n\t"
      "mov %%eax, %%edi\n\t"
      "mov %2, %%eax\n\t"
      "syscall\n\t"
      "hlt\n\t"
      "1:\n\t"
      : "=a"(ret)
      : "0"((long)SYS_clone3), "i"(SYS_exit), "D"(args), "S"(sizeof *args), "r"(r8), "r"(r9)
      : "rcx", "r11", "memory", "cc");
  if (ret < 0) {
    errno = (int)-ret;
    return -1;
  }
  return (pid_t)ret;
}
#endif

static void spawn_one(char *p, char *end) {
  char *id = field(&p, end), *file = field(&p, end), *cwd = field(&p, end);
  char *cgroup = field(&p, end), *uid_s = field(&p, end), *gid_s = field(&p, end);
  char *argc_s = field(&p, end);
  if (id == NULL || argc_s == NULL) {
    dprintf(2, "drover-spawn: a malformed request\n");
    _exit(65);
  }
  long argc = number(argc_s);
  if (argc < 1 || argc > (long)MAX_FRAME) _exit(65);
  char **argv = calloc((size_t)argc + 2, sizeof *argv);
  if (argv == NULL) die("calloc");
  for (long i = 0; i < argc; i++)
    if ((argv[i + 1] = field(&p, end)) == NULL) _exit(65);
  char *envc_s = field(&p, end);
  if (envc_s == NULL) _exit(65);
  long envc = number(envc_s);
  if (envc < 0 || envc > (long)MAX_FRAME) _exit(65);
  char **envp = calloc((size_t)envc + 1, sizeof *envp);
  if (envp == NULL) die("calloc");
  for (long i = 0; i < envc; i++)
    if ((envp[i] = field(&p, end)) == NULL) _exit(65);

  long uid = *uid_s == '\0' ? -1 : number(uid_s), gid = *gid_s == '\0' ? -1 : number(gid_s);
  if ((*uid_s != '\0' && uid < 0) || (*gid_s != '\0' && gid < 0)) _exit(65);
  int out[2] = {-1, -1}, err[2] = {-1, -1}, status[2] = {-1, -1}, cgfd = -1;
  char cgroup_procs[4200];
  if (snprintf(cgroup_procs, sizeof cgroup_procs, "%s/cgroup.procs", cgroup) >=
      (int)sizeof cgroup_procs) {
    reply("E %s %s %d\n", id, STAGES[ST_CGROUP], ENAMETOOLONG);
    goto done;
  }
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0) {
    reply("E %s %s %d\n", id, STAGES[ST_PIPE], errno);
    goto done;
  }
  if (*cgroup != '\0' && (cgfd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
    reply("E %s %s %d\n", id, STAGES[ST_CGROUP], errno);
    goto done;
  }
  struct launch l = {
      .status = status[1],
      .out = out[1],
      .err = err[1],
      .moved = cgfd >= 0,
      .cgroup = cgroup,
      .cgroup_procs = cgroup_procs,
      .cwd = cwd,
      .uid = uid,
      .gid = gid,
      .file = file,
      .argv = argv,
      .envp = envp,
  };
  pid_t pid = -1;
  /* A shared clone whose payload switches users: its setuid/setgid make the shared memory — the
   * server's — not dumpable, and the server's /proc/<pid>/fd root's (the bot opens the payload's
   * pipes there). Dumpable again once the payload has left that memory (its exec, or its end);
   * never before, or the task user could reach the server's memory meanwhile. */
  int undump = 0;
  if (!no_clone3) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    if (cgfd >= 0) {
      args.flags = CLONE_INTO_CGROUP;
      args.cgroup = (uint64_t)cgfd;
    }
    int copying = 1;
#ifdef CLONE_SHARES_MEMORY
    if (!no_shared_clone && payload_stack != NULL) {
      struct clone_args shared = args;
      shared.flags |= CLONE_VM | CLONE_VFORK;
      shared.stack = (uint64_t)(uintptr_t)payload_stack;
      shared.stack_size = PAYLOAD_STACK_BYTES;
      pid = clone3_run(&shared, payload, &l);
      copying = pid < 0 && errno == EINVAL;
      if (copying) no_shared_clone = 1;
      undump = pid > 0 && (uid >= 0 || gid >= 0);
    }
#endif
    if (copying) {
      pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
      if (pid == 0) payload(&l);
    }
    /* Before Linux 5.7 (or a seccomp filter refusing clone3): fork, the payload moving itself. */
    /* (Linux 5.3–5.6 has clone3 without CLONE_INTO_CGROUP: E2BIG for the field it lacks.) */
    if (pid < 0 && (errno == ENOSYS || errno == EPERM ||
                    ((errno == EINVAL || errno == E2BIG) && cgfd >= 0)))
      no_clone3 = 1;
  }
  if (no_clone3) {
    l.moved = 0;
    pid = fork();
    if (pid == 0) payload(&l);
  }
  if (pid < 0) {
    reply("E %s %s %d\n", id, STAGES[ST_CLONE], errno);
    goto done;
  }
  close(status[1]);
  status[1] = -1;
  close(out[1]);
  out[1] = -1;
  close(err[1]);
  err[1] = -1;
  struct failure f;
  ssize_t n;
  while ((n = read(status[0], &f, sizeof f)) < 0 && errno == EINTR) {
  }
  if (n == (ssize_t)sizeof f) {
    /* Not started: reaped here, so that no X line follows. */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    if (undump) prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
    int stage = f.stage >= 0 && f.stage <= ST_EXEC ? f.stage : ST_EXEC;
    reply("E %s %s %d\n", id, STAGES[stage], f.err);
    goto done;
  }
  /* The end of the pipe: the payload's exec closed it, past the switch to its own memory. */
  if (undump && n == 0) prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
  hand_out(pid, out[0], err[0]);
  reply("S %s %d %d %d\n", id, (int)pid, out[0], err[0]);
  out[0] = err[0] = -1; /* the bot's now: closed on its 'C' */
done:
  for (int i = 0; i < 2; i++) {
    if (out[i] >= 0) close(out[i]);
    if (err[i] >= 0) close(err[i]);
    if (status[i] >= 0) close(status[i]);
  }
  if (cgfd >= 0) close(cgfd);
  free(argv);
  free(envp);
}

static void close_pair(char *p, char *end) {
  for (int i = 0; i < 2; i++) {
    char *s = field(&p, end);
    if (s == NULL) _exit(65);
    long fd = number(s);
    if (i == 0) taken(fd);
    /* Only the pipes it handed out: never its own stdin, stdout, stderr or signalfd. */
    if (fd > 2 && fd != sfd && fd < 1048576) close((int)fd);
  }
}

static void reap(void) {
  for (;;) {
    int st;
    pid_t pid = waitpid(-1, &st, WNOHANG);
    if (pid <= 0) return;
    /* Its pid may be another's soon: never killed by it. */
    for (size_t i = 0; i < nhanded; i++)
      if (handed[i].pid == pid) handed[i].pid = 0;
    if (WIFEXITED(st)) reply("X %d %d 0\n", (int)pid, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) reply("X %d -1 %d\n", (int)pid, WTERMSIG(st));
  }
}

/* Every complete frame in the buffer; the rest stays for the next read. */
static void handle_frames(void) {
  size_t off = 0;
  while (inlen - off >= 4) {
    uint32_t len = (uint32_t)(unsigned char)inbuf[off] | (uint32_t)(unsigned char)inbuf[off + 1] << 8 |
                   (uint32_t)(unsigned char)inbuf[off + 2] << 16 |
                   (uint32_t)(unsigned char)inbuf[off + 3] << 24;
    if (len == 0 || len > MAX_FRAME) {
      dprintf(2, "drover-spawn: a frame of %u bytes\n", len);
      _exit(65);
    }
    if (inlen - off - 4 < len) break;
    char *frame = inbuf + off + 4, *end = frame + len;
    if (frame[0] == 'S') spawn_one(frame + 1, end);
    else if (frame[0] == 'C') close_pair(frame + 1, end);
    else _exit(65);
    off += 4 + len;
  }
  memmove(inbuf, inbuf + off, inlen - off);
  inlen -= off;
}

int main(void) {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0) die("sigprocmask");
  sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");
  /* A write to a bot that is gone fails with EPIPE (bot_gone), never kills the server unheard. */
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  int d = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (d >= 0) dumpable = d;
#ifdef CLONE_SHARES_MEMORY
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  char *m = mmap(NULL, PAYLOAD_STACK_BYTES + (size_t)page, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  /* Without it: copying clones. */
  if (m != MAP_FAILED && mprotect(m, (size_t)page, PROT_NONE) == 0) payload_stack = m + page;
#endif
  incap = 64 * 1024;
  inbuf = malloc(incap);
  if (inbuf == NULL) die("malloc");
  reply("R %d\n", (int)getpid());
  for (;;) {
    struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {
      }
      reap();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (incap - inlen < 64 * 1024) {
        size_t cap = incap * 2;
        if (cap > MAX_FRAME + 64 * 1024 + 4) cap = MAX_FRAME + 64 * 1024 + 4;
        if (cap <= incap) _exit(65);
        char *grown = realloc(inbuf, cap);
        if (grown == NULL) die("realloc");
        inbuf = grown;
        incap = cap;
      }
      ssize_t n = read(0, inbuf + inlen, incap - inlen);
      if (n == 0) bot_gone();
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        die("read");
      }
      inlen += (size_t)n;
      handle_frames();
    }
  }
}
