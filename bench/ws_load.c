/*
 * ws_load: a small epoll-based WebSocket echo load generator (libc only).
 *
 * Usage: ws_load HOST PORT PATH CONNECTIONS SECONDS [DEPTH [SIZE]]
 *
 * Opens CONNECTIONS sockets to HOST:PORT, performs the RFC 6455 opening
 * handshake on each (verifying Sec-WebSocket-Accept), then for SECONDS
 * keeps DEPTH (default 1) masked text messages of SIZE bytes (default 64)
 * in flight per connection. Every echo must come back as a text frame
 * with exactly the payload that was sent (payloads carry the connection
 * number and a sequence number, so a mixed-up echo is detected).
 * Server pings are answered with pongs.
 *
 * Prints one line of key=value pairs, e.g.
 *   messages=1234567 seconds=5.000 msgs_per_sec=246913.4 errors=0 ...
 * Exit status: 0 when no error was seen, 1 otherwise, 2 for bad usage or
 * when the handshake fails.
 *
 * Build: cc -O2 -o ws_load ws_load.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define RBUF 65536
#define MAX_SIZE 125 /* payloads use the 7-bit length form */

struct conn {
  int fd;
  uint32_t id;
  uint64_t sent_seq;  /* next sequence number to send */
  uint64_t recv_seq;  /* next sequence number expected back */
  int in_flight;
  unsigned char rbuf[RBUF];
  size_t rlen;
  unsigned char wbuf[8192];
  size_t wlen, woff;
  int want_out;
};

static int s_size = 64;
static int s_depth = 1;
static int s_epfd;
static uint64_t s_messages, s_errors, s_pings;
static int s_stopping;

#include "ws_accept.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The payload of message `seq` on connection `id`. */
static void payload(uint32_t id, uint64_t seq, unsigned char *p) {
  char tmp[64];
  int n = snprintf(tmp, sizeof(tmp), "c%05u s%012llu ", id, (unsigned long long) seq), i;
  for (i = 0; i < s_size; i++) p[i] = i < n ? (unsigned char) tmp[i] : (unsigned char) ('a' + (seq + i) % 26);
}

static void set_events(struct conn *c) {
  struct epoll_event ev;
  int want = c->woff < c->wlen;
  if (want == c->want_out) return;
  c->want_out = want;
  ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
  ev.data.ptr = c;
  epoll_ctl(s_epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void flush_out(struct conn *c) {
  while (c->woff < c->wlen) {
    ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
    if (n > 0) {
      c->woff += (size_t) n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      s_errors++;
      fprintf(stderr, "ws_load: send on connection %u: %s\n", c->id, strerror(errno));
      c->wlen = c->woff = 0;
      return;
    }
  }
  if (c->woff == c->wlen) c->wlen = c->woff = 0;
  set_events(c);
}

/* Appends a masked client frame. */
static void queue_frame(struct conn *c, int opcode, const unsigned char *data, size_t len) {
  unsigned char mask[4];
  uint32_t r = (uint32_t) rand();
  size_t i;
  unsigned char *p;
  if (c->wlen + len + 6 > sizeof(c->wbuf)) {
    if (c->woff > 0) {
      memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
      c->wlen -= c->woff, c->woff = 0;
    }
    if (c->wlen + len + 6 > sizeof(c->wbuf)) {
      s_errors++;
      return;
    }
  }
  memcpy(mask, &r, 4);
  p = c->wbuf + c->wlen;
  p[0] = (unsigned char) (0x80 | opcode);
  p[1] = (unsigned char) (0x80 | len);
  memcpy(p + 2, mask, 4);
  for (i = 0; i < len; i++) p[6 + i] = data[i] ^ mask[i & 3];
  c->wlen += len + 6;
}

static void send_message(struct conn *c) {
  unsigned char p[MAX_SIZE];
  payload(c->id, c->sent_seq++, p);
  queue_frame(c, 1, p, (size_t) s_size);
  c->in_flight++;
}

/* Parses whole frames in rbuf. */
static void parse_frames(struct conn *c) {
  size_t off = 0;
  while (c->rlen - off >= 2) {
    unsigned char *f = c->rbuf + off;
    int fin = f[0] & 0x80, opcode = f[0] & 0x0f, masked = f[1] & 0x80;
    uint64_t len = f[1] & 0x7f;
    size_t hdr = 2;
    if (len == 126) {
      if (c->rlen - off < 4) break;
      len = (uint64_t) f[2] << 8 | f[3], hdr = 4;
    } else if (len == 127) {
      int i;
      if (c->rlen - off < 10) break;
      for (len = 0, i = 0; i < 8; i++) len = len << 8 | f[2 + i];
      hdr = 10;
    }
    if (masked) hdr += 4;
    if (len > RBUF - 16) {
      fprintf(stderr, "ws_load: frame of %llu bytes too large\n", (unsigned long long) len);
      s_errors++;
      c->rlen = 0;
      return;
    }
    if (c->rlen - off < hdr + len) break;
    if (masked) {
      s_errors++;
      fprintf(stderr, "ws_load: server frame is masked\n");
    }
    if (opcode == 9) {
      queue_frame(c, 10, f + hdr, (size_t) len);
      s_pings++;
    } else if (opcode == 10) {
      /* unsolicited pong: ignore */
    } else if (opcode == 8) {
      if (!s_stopping) {
        s_errors++;
        fprintf(stderr, "ws_load: connection %u closed by the server\n", c->id);
      }
    } else {
      unsigned char want[MAX_SIZE];
      payload(c->id, c->recv_seq++, want);
      if (!fin || opcode != 1 || len != (uint64_t) s_size || memcmp(f + hdr, want, (size_t) s_size) != 0) {
        if (s_errors++ < 5)
          fprintf(stderr, "ws_load: bad echo on connection %u (opcode %d, fin %d, %llu bytes)\n",
                  c->id, opcode, !!fin, (unsigned long long) len);
      } else {
        s_messages++;
      }
      c->in_flight--;
      if (!s_stopping) send_message(c);
    }
    off += hdr + (size_t) len;
  }
  if (off > 0) {
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
  }
}

static int connect_to(const char *host, const char *port) {
  struct addrinfo hints, *res, *ai;
  int fd = -1, one = 1;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

/* Blocking RFC 6455 opening handshake. Leaves any bytes after the
 * response head in c->rbuf. Returns 0 on success. */
static int handshake(struct conn *c, const char *host, const char *port, const char *path) {
  unsigned char nonce[16];
  char key[32], accept[32], req[1024], *end, *p;
  size_t i;
  int n;
  struct timeval tv = {5, 0};
  for (i = 0; i < 16; i++) nonce[i] = (unsigned char) rand();
  base64(nonce, 16, key);
  n = snprintf(req, sizeof(req),
               "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
               path, host, port, key);
  if (send(c->fd, req, (size_t) n, MSG_NOSIGNAL) != n) return -1;
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  c->rlen = 0;
  for (;;) {
    ssize_t r = recv(c->fd, c->rbuf + c->rlen, RBUF - 1 - c->rlen, 0);
    if (r <= 0) return -1;
    c->rlen += (size_t) r;
    c->rbuf[c->rlen] = '\0';
    if ((end = strstr((char *) c->rbuf, "\r\n\r\n")) != NULL) break;
    if (c->rlen >= RBUF - 1) return -1;
  }
  if (strncmp((char *) c->rbuf, "HTTP/1.1 101", 12) != 0) {
    fprintf(stderr, "ws_load: handshake refused: %.*s\n", (int) (strchr((char *) c->rbuf, '\r') - (char *) c->rbuf),
            (char *) c->rbuf);
    return -1;
  }
  ws_accept_key(key, accept);
  *end = '\0';
  p = strcasestr((char *) c->rbuf, "\r\nSec-WebSocket-Accept:");
  if (p == NULL) {
    fprintf(stderr, "ws_load: no Sec-WebSocket-Accept header\n");
    return -1;
  }
  p += strlen("\r\nSec-WebSocket-Accept:");
  while (*p == ' ' || *p == '\t') p++;
  if (strncmp(p, accept, strlen(accept)) != 0) {
    fprintf(stderr, "ws_load: wrong Sec-WebSocket-Accept (want %s)\n", accept);
    return -1;
  }
  {
    size_t head = (size_t) (end + 4 - (char *) c->rbuf);
    memmove(c->rbuf, c->rbuf + head, c->rlen - head);
    c->rlen -= head;
  }
  tv.tv_sec = 0;
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
  return 0;
}

int main(int argc, char *argv[]) {
  const char *host, *port, *path;
  int nconns, i, j;
  double seconds, start, deadline, elapsed = 0, drain_until = 0;
  uint64_t measured = 0;
  struct conn *conns;
  struct epoll_event events[256];
  uint64_t outstanding = 0;

  if (argc < 6) {
    fprintf(stderr, "usage: %s HOST PORT PATH CONNECTIONS SECONDS [DEPTH [SIZE]]\n", argv[0]);
    return 2;
  }
  host = argv[1], port = argv[2], path = argv[3];
  nconns = atoi(argv[4]);
  seconds = atof(argv[5]);
  if (argc > 6) s_depth = atoi(argv[6]);
  if (argc > 7) s_size = atoi(argv[7]);
  if (nconns < 1 || seconds <= 0 || s_depth < 1 || s_depth > 64 || s_size < 24 || s_size > MAX_SIZE) {
    fprintf(stderr, "ws_load: bad arguments (1 <= DEPTH <= 64, 24 <= SIZE <= %d)\n", MAX_SIZE);
    return 2;
  }
  srand((unsigned) time(NULL) ^ (unsigned) getpid());
  conns = calloc((size_t) nconns, sizeof(*conns));
  s_epfd = epoll_create1(0);
  for (i = 0; i < nconns; i++) {
    struct epoll_event ev;
    conns[i].id = (uint32_t) i;
    conns[i].fd = connect_to(host, port);
    if (conns[i].fd < 0 || handshake(&conns[i], host, port, path) != 0) {
      fprintf(stderr, "ws_load: connection %d: connect/handshake failed\n", i);
      return 2;
    }
    ev.events = EPOLLIN;
    ev.data.ptr = &conns[i];
    epoll_ctl(s_epfd, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }

  start = now();
  deadline = start + seconds;
  for (i = 0; i < nconns; i++) {
    for (j = 0; j < s_depth; j++) send_message(&conns[i]);
    flush_out(&conns[i]);
  }
  for (;;) {
    double t = now();
    int n, timeout;
    if (!s_stopping && t >= deadline) {
      s_stopping = 1;
      elapsed = t - start;
      measured = s_messages;
      /* Messages counted so far are the result; drain the ones in
       * flight (up to 2 s) so that lost echoes are reported. */
      drain_until = t + 2.0;
    }
    if (s_stopping) {
      outstanding = 0;
      for (i = 0; i < nconns; i++) outstanding += (uint64_t) conns[i].in_flight;
      if (outstanding == 0 || t >= drain_until) break;
      timeout = (int) ((drain_until - t) * 1000) + 1;
    } else {
      timeout = (int) ((deadline - t) * 1000) + 1;
    }
    n = epoll_wait(s_epfd, events, 256, timeout);
    if (n < 0 && errno != EINTR) {
      perror("epoll_wait");
      return 1;
    }
    for (i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (;;) {
          size_t room = RBUF - c->rlen;
          ssize_t r = recv(c->fd, c->rbuf + c->rlen, room, 0);
          if (r > 0) {
            c->rlen += (size_t) r;
            parse_frames(c);
            /* A short read drained the socket: epoll (level-triggered)
             * reports it again when more arrives, so skip the recv that
             * would only say EAGAIN (the generator must not be the limit). */
            if ((size_t) r < room || c->rlen == RBUF) break;
          } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
          } else if (r < 0 && errno == EINTR) {
            continue;
          } else {
            s_errors++;
            fprintf(stderr, "ws_load: connection %u: %s\n", c->id, r == 0 ? "closed by peer" : strerror(errno));
            epoll_ctl(s_epfd, EPOLL_CTL_DEL, c->fd, NULL);
            c->in_flight = 0;
            break;
          }
        }
      }
      flush_out(c);
    }
  }
  {
    /* Messages counted during the measured interval only. */
    uint64_t lost = outstanding;
    double rate;
    rate = measured / elapsed;
    printf("messages=%llu seconds=%.3f msgs_per_sec=%.1f errors=%llu lost=%llu pings=%llu connections=%d depth=%d size=%d\n",
           (unsigned long long) measured, elapsed, rate, (unsigned long long) s_errors,
           (unsigned long long) lost, (unsigned long long) s_pings, nconns, s_depth, s_size);
  }
  for (i = 0; i < nconns; i++) close(conns[i].fd);
  return s_errors == 0 && outstanding == 0 ? 0 : 1;
}
