/*
 * Counts MG_AUTH calls (spec 10 item 31), driven by tests/known_bugs.rs.
 *
 * Usage: kb_auth_server PORT [option=value ...]
 *
 * MG_AUTH refuses (MG_FALSE) every URI starting with "/private".
 * Routes (MG_REQUEST):
 *   /count     "auth=A request=R handshake=H ws_connect=W" (the calls of
 *              each event so far, this request's MG_AUTH included)
 *   /handled   "handled" (answered by the handler)
 *   anything else: MG_FALSE (the library answers: static file, 404, ...)
 * Websocket messages are echoed as text.
 */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include "mongoose.h"

static int s_auth, s_request, s_handshake, s_ws_connect;
static volatile sig_atomic_t s_stop;

static void on_signal(int sig) { s_stop = sig; }

static int is(const struct mg_connection *conn, const char *uri) {
  return conn->uri != NULL && strcmp(conn->uri, uri) == 0;
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  switch (ev) {
    case MG_AUTH:
      s_auth++;
      return conn->uri != NULL && strncmp(conn->uri, "/private", 8) == 0 ? MG_FALSE : MG_TRUE;
    case MG_REQUEST:
      s_request++;
      if (conn->is_websocket) {
        mg_websocket_write(conn, WEBSOCKET_OPCODE_TEXT, conn->content, conn->content_len);
        return MG_TRUE;
      }
      if (is(conn, "/count")) {
        mg_printf_data(conn, "auth=%d request=%d handshake=%d ws_connect=%d", s_auth,
                       s_request, s_handshake, s_ws_connect);
        return MG_TRUE;
      }
      if (is(conn, "/handled")) {
        mg_printf_data(conn, "handled");
        return MG_TRUE;
      }
      return MG_FALSE;
    case MG_WS_HANDSHAKE:
      s_handshake++;
      return MG_FALSE;
    case MG_WS_CONNECT:
      s_ws_connect++;
      return MG_FALSE;
    default:
      return MG_FALSE;
  }
}

int main(int argc, char *argv[]) {
  int i;
  const char *err;
  struct mg_server *server = mg_create_server(NULL, event_handler);
  for (i = 2; i < argc; i++) {
    char name[100];
    const char *eq = strchr(argv[i], '=');
    if (eq == NULL || (size_t) (eq - argv[i]) >= sizeof(name)) continue;
    memcpy(name, argv[i], (size_t) (eq - argv[i]));
    name[eq - argv[i]] = '\0';
    if ((err = mg_set_option(server, name, eq + 1)) != NULL) {
      fprintf(stderr, "option %s: %s\n", name, err);
      return 1;
    }
  }
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
