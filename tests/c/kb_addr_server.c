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
#include "mongoose.h"
#include "test_main.h"

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
  struct mg_server *server = mg_create_server(NULL, event_handler);
  return run_test_server(&server, argc, argv, argc);
}
