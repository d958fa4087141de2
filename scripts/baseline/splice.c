// Minimal C vmsplice(2) + splice(2) pipe, the technique of the public write-up "How fast are
// Linux pipes anyway?": the writer maps its buffer's pages into the pipe, the reader moves them
// to /dev/null. The baseline for `ipcdemo bench --zero-copy`.
// usage: splice TOTAL_BYTES BUF_BYTES PIPE_BYTES BUSY(0|1) HUGE(0|1)
// Prints: bytes_per_second
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HUGE_PAGE (2u << 20)

int main(int argc, char **argv) {
  if (argc != 6) { fprintf(stderr, "usage: %s TOTAL BUF PIPE BUSY HUGE\n", argv[0]); return 2; }
  size_t total = strtoull(argv[1], 0, 10), buf_size = strtoull(argv[2], 0, 10);
  int pipe_size = atoi(argv[3]), busy = atoi(argv[4]), huge = atoi(argv[5]);
  int fds[2], go[2];
  if (pipe(fds) < 0 || pipe(go) < 0) { perror("pipe"); return 1; }
  if (fcntl(fds[1], F_SETPIPE_SZ, pipe_size) < 0) { perror("F_SETPIPE_SZ"); return 1; }
  char *buf;
  if (huge) {
    size_t rounded = (buf_size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    buf = aligned_alloc(HUGE_PAGE, rounded);
    madvise(buf, rounded, MADV_HUGEPAGE);
  } else {
    buf = malloc(buf_size);
  }
  memset(buf, 'X', buf_size);
  unsigned flags = busy ? SPLICE_F_NONBLOCK : 0;
  pid_t child = fork();
  if (child == 0) {
    char g;
    if (read(go[0], &g, 1) != 1) _exit(1);
    size_t sent = 0;
    while (sent < total) {
      size_t len = total - sent < buf_size ? total - sent : buf_size;
      struct iovec v = {buf, len};
      ssize_t n = vmsplice(fds[1], &v, 1, flags);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n < 0) { perror("vmsplice"); _exit(1); }
      sent += n;
    }
    _exit(0);
  }
  close(fds[1]);
  int devnull = open("/dev/null", O_WRONLY);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (write(go[1], "g", 1) != 1) return 1;
  size_t got = 0;
  while (got < total) {
    ssize_t n = splice(fds[0], 0, devnull, 0, buf_size, SPLICE_F_MOVE | flags);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) { perror("splice"); return 1; }
    got += n;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  waitpid(child, 0, 0);
  double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%.0f\n", got / s);
  return 0;
}
