// Minimal C ping-pong over two pipes: the baseline for `ipcdemo bench` pipe latency.
// usage: pingpong ROUNDS none|same|split busy(0|1)
// Prints: median_us p99_us round_trips_per_second
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pin(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) < 0) { perror("sched_setaffinity"); exit(1); }
}

static void xfer(int fd, char *b, int write_side) {
  for (;;) {
    ssize_t n = write_side ? write(fd, b, 1) : read(fd, b, 1);
    if (n == 1) return;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    perror(write_side ? "write" : "read");
    exit(1);
  }
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s ROUNDS none|same|split BUSY\n", argv[0]); return 2; }
  long rounds = atol(argv[1]);
  long warmup = rounds / 10 < 1000 ? rounds / 10 : 1000;
  int parent_cpu = -1, child_cpu = -1;
  if (!strcmp(argv[2], "same")) parent_cpu = child_cpu = 0;
  if (!strcmp(argv[2], "split")) parent_cpu = 0, child_cpu = 1;
  int busy = atoi(argv[3]);
  int down[2], up[2];
  if (pipe(down) < 0 || pipe(up) < 0) { perror("pipe"); return 1; }
  if (busy) for (int i = 0; i < 2; i++) {
    fcntl(down[i], F_SETFL, O_NONBLOCK);
    fcntl(up[i], F_SETFL, O_NONBLOCK);
  }
  uint64_t *rtt = malloc(sizeof(uint64_t) * rounds);
  pin(parent_cpu);
  pid_t child = fork();
  if (child == 0) {
    pin(child_cpu);
    char b;
    for (long i = 0; i < rounds + warmup; i++) { xfer(down[0], &b, 0); xfer(up[1], &b, 1); }
    _exit(0);
  }
  char b = 0;
  uint64_t start = 0;
  for (long i = 0; i < rounds + warmup; i++) {
    if (i == warmup) start = now_ns();
    uint64_t t = now_ns();
    b = (char)i;
    xfer(down[1], &b, 1);
    xfer(up[0], &b, 0);
    if (i >= warmup) rtt[i - warmup] = now_ns() - t;
  }
  double seconds = (now_ns() - start) / 1e9;
  waitpid(child, NULL, 0);
  qsort(rtt, rounds, sizeof *rtt, cmp);
  long p99 = rounds * 99 / 100;
  if (p99 >= rounds) p99 = rounds - 1;
  printf("%.3f %.3f %.0f\n", rtt[rounds / 2] / 1e3, rtt[p99] / 1e3, rounds / seconds);
  return 0;
}
