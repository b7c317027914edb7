/*
 * hello_world: the smallest dynamic page. Every URI is answered with
 * "Hello! Requested URI is [<uri>]".
 *
 * Usage: hello_world [port or address]   (default 8080)
 */
#include <stdio.h>
#include <signal.h>
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  switch (ev) {
    case MG_AUTH:
      return MG_TRUE;
    case MG_REQUEST:
      mg_printf_data(conn, "Hello! Requested URI is [%s]", conn->uri);
      return MG_TRUE;
    default:
      return MG_FALSE;
  }
}

int main(int argc, char *argv[]) {
  struct mg_server *server = mg_create_server(NULL, event_handler);
  const char *port = argc > 1 ? argv[1] : "8080";
  const char *err = mg_set_option(server, "listening_port", port);

  if (err != NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", port, err);
    mg_destroy_server(&server);
    return 1;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  printf("Listening on port %s\n", mg_get_option(server, "listening_port"));
  fflush(stdout);

  while (!s_stop) {
    mg_poll_server(server, 1000);
  }
  mg_destroy_server(&server);
  return 0;
}
