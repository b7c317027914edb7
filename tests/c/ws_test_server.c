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
#include "mongoose.h"
#include "test_main.h"

static int s_connects;
static int s_closes;
static int s_ws_closes;
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
  struct mg_server *server = mg_create_server(NULL, event_handler);
  return run_test_server(&server, argc, argv, 2);
}
