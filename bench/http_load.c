/*
 * http_load: a keep-alive HTTP/1.1 GET load generator that throws the
 * response bodies away inside the kernel (libc only, epoll).
 *
 * Usage: http_load HOST PORT PATH CONNECTIONS SECONDS EXPECTED_LENGTH
 *
 * Opens CONNECTIONS keep-alive connections to HOST:PORT and, for SECONDS,
 * keeps one `GET PATH` in flight on each. Every response must be a 200
 * with a Content-Length equal to EXPECTED_LENGTH and exactly that many body
 * bytes; anything else (another status, a chunked or short body, a closed
 * connection, a failed send or reconnect) counts as an error, and the
 * connection is opened again 50 ms later (so a broken server costs a few
 * errors per second, not a busy loop).
 *
 * Why not wrk: with 64 KiB and 1 MiB files, wrk copies every body byte
 * into user space, and on a 2-CPU machine that copy, not the server, is
 * what limits the requests per second (wrk sits at 100% of its CPU). This
 * client reads the head with an ordinary recv() and discards the body with
 * recv(MSG_TRUNC), which for TCP drops the bytes without copying them
 * (tcp(7)), so the server under test becomes the limit.
 *
 * Prints one line of key=value pairs:
 *   requests=123456 seconds=2.000 rps=61728.0 errors=0 body_bytes=...
 * Exit status: 0 when no error was seen, 1 otherwise, 2 for bad usage or
 * when the first connections cannot be made (nothing listens).
 *
 * Build: cc -O2 -o http_load http_load.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 2048 /* a response head must fit */

enum stage { SENDING, READING_HEAD, DISCARDING_BODY };

struct conn {
  int fd;
  enum stage stage;
  size_t sent;                 /* bytes of the request written */
  char head[HEAD_MAX + 1];
  size_t head_len;
  unsigned long long body_left; /* bytes of the current body still to drop */
  double retry_at;              /* when fd is -1: when to connect again */
  int want_out;                 /* watched for EPOLLOUT (a request is stuck) */
};

static const char *s_host, *s_port;
static char s_request[1024];
static size_t s_request_len;
static unsigned long long s_expected;
static int s_epfd;
static unsigned long long s_requests, s_errors, s_body_bytes;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int connect_to(void) {
  struct addrinfo hints, *res, *ai;
  int fd = -1, one = 1;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(s_host, s_port, &hints, &res) != 0) return -1;
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    /* A blocking connect (immediate on loopback), so that a port where
     * nothing listens fails here rather than at the first send. */
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
      break;
    }
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

static void watch(struct conn *c, int op) {
  struct epoll_event ev;
  ev.events = c->want_out ? EPOLLOUT : EPOLLIN;
  ev.data.ptr = c;
  epoll_ctl(s_epfd, op, c->fd, &ev);
}

static void start_request(struct conn *c) {
  c->stage = SENDING;
  c->sent = 0;
  c->head_len = 0;
  c->body_left = 0;
}

/* Opens c's connection and sends its first request when it can. */
static int open_conn(struct conn *c) {
  c->fd = connect_to();
  if (c->fd < 0) return -1;
  start_request(c);
  c->want_out = 1;
  watch(c, EPOLL_CTL_ADD);
  return 0;
}

/* Counts an error and drops the connection; the main loop opens a new one
 * after a pause. */
static void fail(struct conn *c, const char *why) {
  if (s_errors++ < 5) fprintf(stderr, "http_load: %s\n", why);
  close(c->fd);
  c->fd = -1;
  c->retry_at = now() + 0.05;
}

/* The value of header `name` in the head, or NULL. */
static const char *header(const char *head, const char *name) {
  size_t n = strlen(name);
  const char *p = strstr(head, "\r\n");
  while (p != NULL && p[2] != '\r') {
    p += 2;
    if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
      p += n + 1;
      while (*p == ' ' || *p == '\t') p++;
      return p;
    }
    p = strstr(p, "\r\n");
  }
  return NULL;
}

/* A whole head is in c->head: check it and move on to the body. */
static int parse_head(struct conn *c, size_t head_end) {
  const char *cl, *te;
  char *end;
  unsigned long long length, extra;
  c->head[head_end] = '\0';
  if (strncmp(c->head, "HTTP/1.1 200 ", 13) != 0) {
    fail(c, "status is not 200");
    return -1;
  }
  te = header(c->head, "Transfer-Encoding");
  cl = header(c->head, "Content-Length");
  if (te != NULL || cl == NULL) {
    fail(c, "response without a Content-Length");
    return -1;
  }
  length = strtoull(cl, &end, 10);
  if (length != s_expected) {
    fail(c, "Content-Length differs from the expected length");
    return -1;
  }
  extra = c->head_len - head_end; /* body bytes that came with the head */
  if (extra > length) {
    fail(c, "more bytes than the Content-Length");
    return -1;
  }
  c->body_left = length - extra;
  s_body_bytes += extra;
  c->stage = DISCARDING_BODY;
  return 0;
}

static void on_event(struct conn *c) {
  if (c->fd < 0) return; /* dropped earlier in this batch of events */
  for (;;) {
    if (c->stage == SENDING) {
      ssize_t n = send(c->fd, s_request + c->sent, s_request_len - c->sent, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (!c->want_out) c->want_out = 1, watch(c, EPOLL_CTL_MOD);
        return;
      }
      if (n <= 0) {
        fail(c, "send failed");
        return;
      }
      c->sent += (size_t) n;
      if (c->sent < s_request_len) continue;
      c->stage = READING_HEAD;
      if (c->want_out) c->want_out = 0, watch(c, EPOLL_CTL_MOD);
      return;
    } else if (c->stage == READING_HEAD) {
      char *blank;
      ssize_t n = recv(c->fd, c->head + c->head_len, HEAD_MAX - c->head_len, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      if (n <= 0) {
        fail(c, "connection closed before the head");
        return;
      }
      c->head_len += (size_t) n;
      c->head[c->head_len] = '\0';
      blank = strstr(c->head, "\r\n\r\n");
      if (blank == NULL) {
        if (c->head_len == HEAD_MAX) fail(c, "response head too large");
        return; /* the rest of the head has not arrived yet */
      }
      if (parse_head(c, (size_t) (blank + 4 - c->head)) != 0) return;
    } else if (c->body_left == 0) {
      s_requests++;
      start_request(c); /* and send the next request at once */
    } else {
      /* MSG_TRUNC on TCP: the bytes are dropped, never copied. */
      size_t want = c->body_left > (1u << 30) ? (1u << 30) : (size_t) c->body_left;
      ssize_t n = recv(c->fd, NULL, want, MSG_TRUNC);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      if (n <= 0) {
        fail(c, "connection closed in the body");
        return;
      }
      c->body_left -= (unsigned long long) n;
      s_body_bytes += (unsigned long long) n;
    }
  }
}

int main(int argc, char *argv[]) {
  struct conn *conns;
  struct epoll_event events[256];
  double seconds, start, elapsed;
  int nconns, i;

  if (argc != 7 || atoi(argv[4]) < 1 || atof(argv[5]) <= 0) {
    fprintf(stderr, "usage: %s HOST PORT PATH CONNECTIONS SECONDS EXPECTED_LENGTH\n", argv[0]);
    return 2;
  }
  s_host = argv[1];
  s_port = argv[2];
  nconns = atoi(argv[4]);
  seconds = atof(argv[5]);
  s_expected = strtoull(argv[6], NULL, 10);
  s_request_len = (size_t) snprintf(s_request, sizeof(s_request),
                                    "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: http_load\r\n\r\n",
                                    argv[3], s_host, s_port);
  if (s_request_len >= sizeof(s_request)) return 2;

  s_epfd = epoll_create1(EPOLL_CLOEXEC);
  conns = calloc((size_t) nconns, sizeof(*conns));
  if (s_epfd < 0 || conns == NULL) return 2;
  for (i = 0; i < nconns; i++) {
    if (open_conn(&conns[i]) != 0) {
      fprintf(stderr, "http_load: cannot connect to %s:%s\n", s_host, s_port);
      return 2;
    }
  }

  start = now();
  while ((elapsed = now() - start) < seconds) {
    int n, down = 0;
    double t = now();
    for (i = 0; i < nconns; i++) {
      if (conns[i].fd >= 0) continue;
      if (t >= conns[i].retry_at && open_conn(&conns[i]) != 0) {
        s_errors++;
        conns[i].retry_at = t + 0.05;
      }
      down += conns[i].fd < 0;
    }
    n = epoll_wait(s_epfd, events, 256, down ? 10 : 100);
    for (i = 0; i < n; i++) on_event(events[i].data.ptr);
  }
  elapsed = now() - start;

  printf("requests=%llu seconds=%.3f rps=%.1f errors=%llu body_bytes=%llu connections=%d\n",
         s_requests, elapsed, s_requests / elapsed, s_errors, s_body_bytes, nconns);
  for (i = 0; i < nconns; i++)
    if (conns[i].fd >= 0) close(conns[i].fd);
  free(conns);
  return s_errors ? 1 : 0;
}
