/*
 * Counts MG_AUTH calls (spec 10 item 31), driven by tests/known_bugs.rs.
 *
 * Usage: kb_auth_server PORT [option=value ...]
 *
 * MG_AUTH refuses (MG_FALSE) every URI starting with "/private".
 * Routes (MG_REQUEST):
 *   /count     "auth=A request=R handshake=H ws_connect=W http_error=E"
 *              (the calls of each event so far, this request's MG_AUTH
 *              included)
 *   /handled   "handled" (answered by the handler)
 *   /created   201 with a body; /empty: 204 (statuses that are not errors)
 *   anything else: MG_FALSE (the library answers: static file, 404, ...)
 * Websocket messages are echoed as text.
 */
#include <stdio.h>
#include <string.h>
#include "mongoose.h"
#include "test_main.h"

static int s_auth, s_request, s_handshake, s_ws_connect, s_http_error;
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
        mg_printf_data(conn, "auth=%d request=%d handshake=%d ws_connect=%d http_error=%d",
                       s_auth, s_request, s_handshake, s_ws_connect, s_http_error);
        return MG_TRUE;
      }
      if (is(conn, "/created")) {
        mg_send_status(conn, 201);
        mg_printf_data(conn, "created");
        return MG_TRUE;
      }
      if (is(conn, "/empty")) {
        mg_send_status(conn, 204);
        mg_send_data(conn, "", 0);
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
    case MG_HTTP_ERROR:
      s_http_error++;
      return MG_FALSE;
    default:
      return MG_FALSE;
  }
}

int main(int argc, char *argv[]) {
  struct mg_server *server = mg_create_server(NULL, event_handler);
  return run_test_server(&server, argc, argv, 2);
}
