/*
 * Reports the peer and local addresses of each request (spec 10 item 12),
 * driven by tests/known_bugs.rs.
 *
 * Usage: kb_addr_server LISTENING_PORT   (e.g. "[::1]:0")
 *
 * Every request is answered
 *   "remote=<remote_ip> <remote_port> local=<local_ip> <local_port>"
 */
#include <stdio.h>
#include <signal.h>
#include "mongoose.h"

static volatile sig_atomic_t s_stop;

static void on_signal(int sig) { s_stop = sig; }

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  switch (ev) {
    case MG_AUTH:
      return MG_TRUE;
    case MG_REQUEST:
      mg_printf_data(conn, "remote=%s %u local=%s %u", conn->remote_ip,
                     (unsigned) conn->remote_port, conn->local_ip, (unsigned) conn->local_port);
      return MG_TRUE;
    default:
      return MG_FALSE;
  }
}

int main(int argc, char *argv[]) {
  const char *err;
  struct mg_server *server = mg_create_server(NULL, event_handler);
  if ((err = mg_set_option(server, "listening_port", argc > 1 ? argv[1] : "0")) != NULL) {
    fprintf(stderr, "listening_port: %s\n", err);
    return 1;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  printf("Listening on port %s\n", mg_get_option(server, "listening_port"));
  fflush(stdout);
  while (!s_stop) mg_poll_server(server, 50);
  mg_destroy_server(&server);
  return 0;
}
