/*
 * multi_threaded: two server instances, each polled by its own thread,
 * accepting from one shared listening socket (mg_set_listening_socket).
 * Each reply says which server answered.
 *
 * Usage: multi_threaded [port or address]   (default 8080)
 */
#include <stdio.h>
#include <signal.h>
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev == MG_REQUEST) {
    mg_printf_data(conn, "Hello from %s! Requested URI is [%s]\n",
                   (const char *) conn->server_param, conn->uri);
    return MG_TRUE;
  }
  return MG_FALSE;
}

/* Polls one server until Ctrl-C, then destroys it. The shared socket is
 * closed when the last server using it is destroyed. */
static void *serve(void *param) {
  struct mg_server *server = (struct mg_server *) param;
  while (!s_stop) {
    mg_poll_server(server, 200);
  }
  mg_destroy_server(&server);
  return NULL;
}

int main(int argc, char *argv[]) {
  struct mg_server *server1 = mg_create_server((void *) "server 1", event_handler);
  struct mg_server *server2 = mg_create_server((void *) "server 2", event_handler);
  const char *port = argc > 1 ? argv[1] : "8080";
  const char *err = mg_set_option(server1, "listening_port", port);

  if (err != NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", port, err);
    return 1;
  }
  /* Both servers accept from the same socket. */
  mg_set_listening_socket(server2, mg_get_listening_socket(server1));

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  printf("Listening on port %s\n", mg_get_option(server1, "listening_port"));
  fflush(stdout);

  mg_start_thread(serve, server1);
  serve(server2); /* returns on Ctrl-C */
  return 0;
}
