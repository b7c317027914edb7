/*
 * A websocket test server driven by tests/websocket.rs: echoes every
 * websocket message with its opcode, takes options on the command line
 * (for websocket_max_message_size, websocket_ping_interval_ms, ...), and
 * counts events.
 *
 * Usage: ws_test_server PORT [option=value ...]
 *
 * Websocket messages:
 *   "close me"  the handler returns MG_FALSE (the library closes with 1000)
 *   anything    echoed back with the message's opcode
 * HTTP routes:
 *   /stats      "connects=N closes=N ws_closes=N"
 *               (MG_WS_CONNECT events, all MG_CLOSE events, and MG_CLOSE
 *               events of websocket connections)
 *   /wswrite    calls mg_websocket_write on this plain HTTP connection (it
 *               must send nothing), then replies with raw bytes
 *               "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain"
 */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include "mongoose.h"

static int s_connects;
static int s_closes;
static int s_ws_closes;
static volatile sig_atomic_t s_stop;

static void on_signal(int sig) { s_stop = sig; }

static int is(const struct mg_connection *conn, const char *uri) {
  return conn->uri != NULL && strcmp(conn->uri, uri) == 0;
}

static int on_request(struct mg_connection *conn) {
  if (conn->is_websocket) {
    if (conn->content_len == 8 && memcmp(conn->content, "close me", 8) == 0) {
      return MG_FALSE;
    }
    mg_websocket_write(conn, conn->wsbits & 0x0f, conn->content, conn->content_len);
    return MG_TRUE;
  }
  if (is(conn, "/stats")) {
    mg_printf_data(conn, "connects=%d closes=%d ws_closes=%d", s_connects, s_closes,
                   s_ws_closes);
    return MG_TRUE;
  }
  if (is(conn, "/wswrite")) {
    mg_websocket_write(conn, WEBSOCKET_OPCODE_TEXT, "junk", 4);
    mg_websocket_write(conn, WEBSOCKET_OPCODE_BINARY, "", 0);
    mg_websocket_write(conn, WEBSOCKET_OPCODE_CONNECTION_CLOSE, "\x03\xe8", 2);
    mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain");
    return MG_TRUE;
  }
  return MG_FALSE;
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  switch (ev) {
    case MG_AUTH:
      return MG_TRUE;
    case MG_REQUEST:
      return on_request(conn);
    case MG_WS_CONNECT:
      s_connects++;
      return MG_FALSE;
    case MG_CLOSE:
      s_closes++;
      if (conn->is_websocket) s_ws_closes++;
      return MG_TRUE;
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
