/*
 * Several connections that are waiting before one mg_poll_server() call
 * are all accepted by that call (spec 10 item 2: 5.4 accepted one per
 * poll). Driven by tests/known_bugs.rs.
 *
 * Usage: kb_multi_accept
 *
 * Opens N client sockets to the server's own listener with non-blocking
 * connects, waits until the kernel has completed each handshake (so all N
 * are in the listen queue), calls mg_poll_server() exactly once, then
 * counts the connections with mg_next and mg_iterate_over_connections and
 * checks that the listen queue is empty. Prints
 *   "accepted next=A iterate=B queue_empty=E"
 * and exits 0 when A == B == N and E == 1, else 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "mongoose.h"

#define N 5

static int count_cb(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_POLL) (*(int *) conn->callback_param)++;
  return MG_FALSE;
}

static int handler(struct mg_connection *conn, enum mg_event ev) {
  (void) conn;
  return ev == MG_AUTH ? MG_TRUE : MG_FALSE;
}

int main(void) {
  struct mg_server *server = mg_create_server(NULL, handler);
  struct sockaddr_in sin;
  struct mg_connection *c;
  struct pollfd pfd;
  int fds[N], i, port, next = 0, iterated = 0, queue_empty, lfd;
  const char *err = mg_set_option(server, "listening_port", "127.0.0.1:0");

  if (err != NULL) {
    fprintf(stderr, "listening_port: %s\n", err);
    return 1;
  }
  port = atoi(mg_get_option(server, "listening_port"));
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  for (i = 0; i < N; i++) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (fds[i] < 0 || fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL, 0) | O_NONBLOCK) != 0) {
      perror("socket");
      return 1;
    }
    if (connect(fds[i], (struct sockaddr *) &sin, sizeof(sin)) != 0 && errno != EINPROGRESS) {
      perror("connect");
      return 1;
    }
  }
  /* Wait (bounded) until every handshake has completed: the connections
   * are then queued on the listener, none accepted yet. */
  for (i = 0; i < N; i++) {
    int so_error = -1;
    socklen_t len = sizeof(so_error);
    pfd.fd = fds[i];
    pfd.events = POLLOUT;
    pfd.revents = 0;
    if (poll(&pfd, 1, 2000) != 1 ||
        getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0) {
      fprintf(stderr, "client %d did not connect (so_error %d)\n", i, so_error);
      return 1;
    }
  }

  mg_poll_server(server, 100); /* the one and only poll */

  for (c = mg_next(server, NULL); c != NULL; c = mg_next(server, c)) next++;
  mg_iterate_over_connections(server, count_cb, &iterated);
  lfd = mg_get_listening_socket(server);
  pfd.fd = lfd;
  pfd.events = POLLIN;
  pfd.revents = 0;
  queue_empty = lfd >= 0 && poll(&pfd, 1, 0) == 0;

  printf("accepted next=%d iterate=%d queue_empty=%d\n", next, iterated, queue_empty);
  for (i = 0; i < N; i++) close(fds[i]);
  mg_destroy_server(&server);
  return next == N && iterated == N && queue_empty ? 0 : 1;
}
