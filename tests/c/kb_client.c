/*
 * mg_connect with an upstream that sends its reply head in pieces (spec 10
 * item 35), driven by tests/known_bugs.rs.
 *
 * Usage: kb_client PORT
 *
 * Route /fetch?port=P&path=X fetches http://127.0.0.1:P/X with mg_connect,
 * keeps the upstream connection open after every MG_REPLY (so any extra
 * MG_REPLY is seen) until the upstream closes, then answers
 *   "replies=N status=S x_split=V body=B"
 * with N the number of MG_REPLY events, S the status_code, V the X-Split
 * header and B the content of the last MG_REPLY; or
 * "connect failed: <errno>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mongoose.h"
#include "test_main.h"

static struct mg_server *s_server;
struct relay {
  struct mg_connection *client;
  struct mg_connection *upstream;
  char path[200];
  char body[4096];
  char x_split[64];
  int body_len;
  int replies;
  int status;
  int connected;
  int done;
};

static int handler(struct mg_connection *conn, enum mg_event ev) {
  struct relay *r = (struct relay *) conn->connection_param;
  switch (ev) {
    case MG_AUTH:
      return MG_TRUE;
    case MG_REQUEST:
      if (strcmp(conn->uri, "/fetch") == 0) {
        char port[16];
        r = (struct relay *) calloc(1, sizeof(*r));
        mg_get_var(conn, "port", port, sizeof(port));
        mg_get_var(conn, "path", r->path, sizeof(r->path));
        strcpy(r->x_split, "(none)");
        r->client = conn;
        r->upstream = mg_connect(s_server, "127.0.0.1", atoi(port), 0);
        if (r->upstream == NULL) {
          mg_printf_data(conn, "mg_connect returned NULL");
          free(r);
          return MG_TRUE;
        }
        r->upstream->connection_param = r;
        conn->connection_param = r;
        return MG_MORE;
      }
      return MG_FALSE;
    case MG_CONNECT:
      r->connected = 1;
      mg_printf(conn, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", r->path);
      return MG_TRUE;
    case MG_REPLY: {
      const char *x = mg_get_header(conn, "X-Split");
      r->replies++;
      r->status = conn->status_code;
      snprintf(r->x_split, sizeof(r->x_split), "%s", x == NULL ? "(none)" : x);
      r->body_len = conn->content_len < sizeof(r->body) ? (int) conn->content_len : 0;
      if (r->body_len > 0) memcpy(r->body, conn->content, (size_t) r->body_len);
      return MG_TRUE;
    }
    case MG_POLL:
      if (r != NULL && conn == r->client && r->done) {
        if (r->connected) {
          mg_printf_data(conn, "replies=%d status=%d x_split=%s body=%.*s", r->replies,
                         r->status, r->x_split, r->body_len, r->body);
        } else {
          mg_printf_data(conn, "connect failed: %d", r->status);
        }
        conn->connection_param = NULL;
        free(r);
        return MG_TRUE;
      }
      return MG_FALSE;
    case MG_CLOSE:
      if (r != NULL && conn == r->upstream) {
        if (!r->connected) r->status = conn->status_code;
        r->done = 1;
      }
      return MG_TRUE;
    default:
      return MG_FALSE;
  }
}

int main(int argc, char *argv[]) {
  s_server = mg_create_server(NULL, handler);
  return run_test_server(&s_server, argc, argv, argc);
}
