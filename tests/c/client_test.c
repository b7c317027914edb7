/*
 * mg_connect test server (tests/client.rs). Routes:
 *   /fetch?port=P&path=X   fetch http://127.0.0.1:P/X with mg_connect and
 *                          relay "status=<code> body=<body>" (or
 *                          "connect failed: <errno>"); with &ssl=1 over TLS
 *                          (to &host=H, default 127.0.0.1), followed by
 *                          " close=<status_code at MG_CLOSE>"
 * Options: name=value arguments after the port.
 *   /hello                 "Hello"            (Content-Length)
 *   /chunked               "chunked body"     (Transfer-Encoding: chunked)
 *   /close                 "until close"      (no length, HTTP/1.0 style)
 *   /lenient               "hello", chunked, with bare LF line ends and a
 *                          space before a chunk extension (what a server's
 *                          request parser refuses, a client accepts)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mongoose.h"
#include "test_main.h"

static struct mg_server *s_server;
/* Links a client request to its outgoing connection. */
struct relay {
  struct mg_connection *client;   /* the browser side */
  struct mg_connection *upstream; /* the mg_connect side */
  char path[200];
  char body[4096];
  size_t body_len;
  int status;
  int close_status;
  int ssl;
  int connected;
  int done;
};

static int handler(struct mg_connection *conn, enum mg_event ev) {
  struct relay *r = (struct relay *) conn->connection_param;
  switch (ev) {
    case MG_AUTH:
      return MG_TRUE;
    case MG_REQUEST:
      if (strcmp(conn->uri, "/hello") == 0) {
        mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHello");
        return MG_TRUE;
      }
      if (strcmp(conn->uri, "/chunked") == 0) {
        mg_printf_data(conn, "chunked ");
        mg_printf_data(conn, "body");
        return MG_TRUE;
      }
      if (strcmp(conn->uri, "/empty") == 0) {
        mg_printf(conn, "HTTP/1.0 200 OK\r\nX: y\r\n\r\n");
        return MG_TRUE;
      }
      if (strcmp(conn->uri, "/lenient") == 0) {
        mg_printf(conn, "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5 ;x\nhello\n0\n\n");
        return MG_TRUE;
      }
      if (strcmp(conn->uri, "/close") == 0) {
        mg_printf(conn, "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nuntil close");
        return MG_TRUE;
      }
      if (strcmp(conn->uri, "/fetch") == 0) {
        char port[16], ssl[4] = "", host[100] = "127.0.0.1";
        r = (struct relay *) calloc(1, sizeof(*r));
        mg_get_var(conn, "port", port, sizeof(port));
        mg_get_var(conn, "path", r->path, sizeof(r->path));
        mg_get_var(conn, "ssl", ssl, sizeof(ssl));
        mg_get_var(conn, "host", host, sizeof(host));
        r->ssl = ssl[0] == '1';
        if (host[0] == '\0') strcpy(host, "127.0.0.1");
        r->client = conn;
        r->upstream = mg_connect(s_server, host, atoi(port), r->ssl);
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
    case MG_REPLY:
      r->status = conn->status_code;
      if (r->body_len + conn->content_len < sizeof(r->body)) {
        memcpy(r->body + r->body_len, conn->content, conn->content_len);
        r->body_len += conn->content_len;
      }
      /* A reply with a length is complete: close; otherwise wait for EOF. */
      return mg_get_header(conn, "Content-Length") != NULL ||
                     mg_get_header(conn, "Transfer-Encoding") != NULL
                 ? MG_FALSE
                 : MG_TRUE;
    case MG_POLL:
      if (r != NULL && conn == r->client && r->done) {
        if (r->connected) {
          mg_printf_data(conn, "status=%d body=%.*s", r->status, (int) r->body_len, r->body);
        } else {
          mg_printf_data(conn, "connect failed: %d", r->status);
        }
        if (r->ssl) mg_printf_data(conn, " close=%d", r->close_status);
        conn->connection_param = NULL;
        free(r);
        return MG_TRUE;
      }
      return MG_FALSE;
    case MG_CLOSE:
      if (r != NULL && conn == r->upstream) {
        if (!r->connected) r->status = conn->status_code;
        r->close_status = conn->status_code;
        r->done = 1;
      }
      return MG_TRUE;
    default:
      return MG_FALSE;
  }
}

int main(int argc, char *argv[]) {
  s_server = mg_create_server(NULL, handler);
  return run_test_server(&s_server, argc, argv, 2);
}
