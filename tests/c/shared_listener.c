/*
 * Two servers share one listening socket; destroying the first must not
 * close the socket under the second (5.4 closed it for every sharer).
 * Usage: shared_listener   -- prints "Listening on port N", then serves
 * with server 2 only, after server 1 has been destroyed.
 */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include "mongoose.h"

static volatile sig_atomic_t s_stop;

static void on_signal(int sig) { s_stop = sig; }

static int handler(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev == MG_REQUEST) {
    mg_printf_data(conn, "served by %s", (const char *) conn->server_param);
    return MG_TRUE;
  }
  return MG_FALSE;
}

int main(void) {
  struct mg_server *s1 = mg_create_server((void *) "server 1", handler);
  struct mg_server *s2 = mg_create_server((void *) "server 2", handler);
  int sock;
  if (mg_set_option(s1, "listening_port", "127.0.0.1:0") != NULL) return 1;
  sock = mg_get_listening_socket(s1);
  mg_set_listening_socket(s2, sock);
  if (mg_get_listening_socket(s2) != sock) return 2;
  printf("Listening on port %s\n", mg_get_option(s1, "listening_port"));
  fflush(stdout);
  mg_destroy_server(&s1);
  signal(SIGTERM, on_signal);
  while (!s_stop) mg_poll_server(s2, 100);
  mg_destroy_server(&s2);
  return 0;
}
