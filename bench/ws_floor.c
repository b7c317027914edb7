/*
 * ws_floor: the floor for the WebSocket echo benchmark. A bare select()
 * echo server with the same design as the library (one thread, fd_sets
 * rebuilt every iteration, one recv and one send per ready socket) but
 * none of its work: no HTTP parser, no UTF-8 check, no limits, no
 * handler calls, no timers. Whatever the machine's loopback TCP costs
 * this run, ws_floor pays it too, so "ours / floor" says how much of the
 * server's time is the library's own.
 *
 * Bench use only: trusts its clients (ws_load), serves any path.
 *
 *   ws_floor PORT        prints "Listening on port N" (PORT 0: any port)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ws_accept.h"

#define MAX_CONNS 1000
#define BUF 65536

struct peer {
  int fd;
  int upgraded;
  size_t len;
  unsigned char in[BUF];
};

static struct peer *s_peers[FD_SETSIZE];
static int s_top; /* highest descriptor with a peer */

static void drop(int fd) {
  free(s_peers[fd]);
  s_peers[fd] = NULL;
  close(fd);
}

static int send_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1; /* the floor does not queue: a full socket is an error */
    p += n, len -= (size_t) n;
  }
  return 0;
}

/* Answers the opening handshake once its head is complete. */
static int upgrade(struct peer *p) {
  char *end, *key, accept[32], reply[256];
  size_t head;
  int n;
  p->in[p->len < BUF ? p->len : BUF - 1] = '\0';
  if ((end = strstr((char *) p->in, "\r\n\r\n")) == NULL) return p->len < BUF - 1 ? 0 : -1;
  *end = '\0';
  if ((key = strcasestr((char *) p->in, "\r\nSec-WebSocket-Key:")) == NULL) return -1;
  key += strlen("\r\nSec-WebSocket-Key:");
  while (*key == ' ') key++;
  key[strcspn(key, "\r\n ")] = '\0';
  ws_accept_key(key, accept);
  n = snprintf(reply, sizeof(reply),
               "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  head = (size_t) (end + 4 - (char *) p->in);
  memmove(p->in, p->in + head, p->len - head);
  p->len -= head;
  p->upgraded = 1;
  return send_all(p->fd, reply, (size_t) n);
}

/* Echoes every complete frame (unmasked, same opcode) in one send. */
static int echo(struct peer *p) {
  unsigned char out[BUF + 16];
  size_t off = 0, olen = 0;
  while (p->len - off >= 2) {
    unsigned char *f = p->in + off;
    uint64_t len = f[1] & 127;
    size_t hdr = 2, i;
    if (len == 126) {
      if (p->len - off < 4) break;
      len = (uint64_t) f[2] << 8 | f[3], hdr = 4;
    } else if (len == 127) {
      return -1; /* not used by the bench */
    }
    if (f[1] & 128) hdr += 4;
    if (p->len - off < hdr + len) break;
    if (olen + len + 4 > sizeof(out)) break;
    if (f[1] & 128) {
      unsigned char *mask = f + hdr - 4;
      for (i = 0; i < len; i++) f[hdr + i] ^= mask[i & 3];
    }
    out[olen++] = f[0];
    if (len < 126) {
      out[olen++] = (unsigned char) len;
    } else {
      out[olen++] = 126, out[olen++] = (unsigned char) (len >> 8), out[olen++] = (unsigned char) len;
    }
    memcpy(out + olen, f + hdr, (size_t) len);
    olen += (size_t) len;
    off += hdr + (size_t) len;
  }
  memmove(p->in, p->in + off, p->len - off);
  p->len -= off;
  return olen > 0 ? send_all(p->fd, out, olen) : 0;
}

int main(int argc, char *argv[]) {
  struct sockaddr_in sa;
  socklen_t slen = sizeof(sa);
  int lfd, one = 1, maxfd, fd;
  signal(SIGPIPE, SIG_IGN);
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t) atoi(argc > 1 ? argv[1] : "0"));
  if (bind(lfd, (struct sockaddr *) &sa, sizeof(sa)) != 0 || listen(lfd, 128) != 0 ||
      getsockname(lfd, (struct sockaddr *) &sa, &slen) != 0) {
    perror("ws_floor");
    return 1;
  }
  printf("Listening on port %d\n", ntohs(sa.sin_port));
  fflush(stdout);
  for (;;) {
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(lfd, &rd);
    maxfd = lfd;
    for (fd = 0; fd <= s_top; fd++) {
      if (s_peers[fd] != NULL) {
        FD_SET(fd, &rd);
        if (fd > maxfd) maxfd = fd;
      }
    }
    if (select(maxfd + 1, &rd, NULL, NULL, NULL) < 0) {
      if (errno == EINTR) continue;
      perror("select");
      return 1;
    }
    if (FD_ISSET(lfd, &rd)) {
      int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
      if (c >= 0 && c < FD_SETSIZE && (s_peers[c] = calloc(1, sizeof(struct peer))) != NULL) {
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        s_peers[c]->fd = c;
        if (c > s_top) s_top = c;
      } else if (c >= 0) {
        close(c);
      }
    }
    for (fd = 0; fd <= maxfd; fd++) {
      struct peer *p = s_peers[fd];
      ssize_t n;
      if (p == NULL || !FD_ISSET(fd, &rd)) continue;
      n = recv(fd, p->in + p->len, BUF - p->len, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {
        drop(fd);
        continue;
      }
      p->len += (size_t) n;
      if ((!p->upgraded && upgrade(p) != 0) || (p->upgraded && echo(p) != 0)) drop(fd);
    }
  }
}
