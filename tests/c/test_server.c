/*
 * A server whose routes exercise the 5.4 API, driven by tests/http.rs.
 *
 * Usage: test_server PORT [option=value ...]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mongoose.h"
#include "test_main.h"

static struct mg_server *s_server;
static int s_closes;

struct conn_state {
  int requests; /* requests seen on this connection (connection_param) */
  int ticks;    /* MG_POLL ticks of a /more request */
  double since; /* when a /quiet request started */
};

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int is(const struct mg_connection *conn, const char *uri) {
  return conn->uri != NULL && strcmp(conn->uri, uri) == 0;
}

static int query_int(const struct mg_connection *conn, const char *name, int def) {
  char buf[32];
  return mg_get_var(conn, name, buf, sizeof(buf)) > 0 ? atoi(buf) : def;
}

static struct conn_state *state(struct mg_connection *conn) {
  if (conn->connection_param == NULL) {
    conn->connection_param = calloc(1, sizeof(struct conn_state));
  }
  return (struct conn_state *) conn->connection_param;
}

static int count_cb(struct mg_connection *conn, enum mg_event ev) {
  (void) conn;
  if (ev == MG_POLL) (*(int *) conn->callback_param)++;
  return MG_TRUE;
}

static int on_request(struct mg_connection *conn) {
  struct conn_state *st = state(conn);
  st->requests++;

  if (is(conn, "/hello")) {
    mg_printf_data(conn, "Hello [%s]", conn->uri);
    return MG_TRUE;
  }
  if (is(conn, "/chunks")) {
    mg_send_data(conn, "ab", 2);
    mg_send_data(conn, "", 0);
    mg_send_data(conn, "cd", 2);
    return MG_TRUE;
  }
  if (is(conn, "/status")) {
    mg_send_status(conn, 201);
    mg_send_header(conn, "X-A", "b");
    mg_send_data(conn, "abc", 3);
    return MG_TRUE;
  }
  if (is(conn, "/headers_only")) {
    mg_send_status(conn, 202);
    mg_send_header(conn, "X-Only", "1");
    return MG_TRUE;
  }
  if (is(conn, "/header_first")) {
    mg_send_header(conn, "X-First", "1");
    mg_send_status(conn, 500);
    mg_printf_data(conn, "%s", "ok");
    return MG_TRUE;
  }
  if (is(conn, "/raw")) {
    mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", 3, "raw");
    return MG_TRUE;
  }
  if (is(conn, "/write")) {
    static const char body[] = {'b', 0, 'i', 'n'};
    mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", (int) sizeof(body));
    mg_write(conn, body, (int) sizeof(body));
    return MG_TRUE;
  }
  if (is(conn, "/more")) {
    st->ticks = 0;
    mg_send_header(conn, "Content-Type", "text/plain");
    mg_printf_data(conn, "start\n");
    return MG_MORE;
  }
  if (is(conn, "/quiet")) {
    /* A long poll: the head and a first line now, then nothing at all
     * for ?ms=N milliseconds, then the end (from MG_POLL). */
    st->since = now_ms();
    mg_send_header(conn, "Content-Type", "text/plain");
    mg_printf_data(conn, "waiting\n");
    return MG_MORE;
  }
  if (is(conn, "/decline")) {
    return MG_FALSE;
  }
  if (is(conn, "/reassign")) {
    conn->uri = "/reassigned";
    return MG_FALSE;
  }
  if (is(conn, "/echo")) {
    int i;
    mg_send_header(conn, "Content-Type", "text/plain");
    mg_printf_data(conn, "method=%s\nuri=%s\nversion=%s\nquery=%s\n", conn->request_method,
                   conn->uri, conn->http_version,
                   conn->query_string == NULL ? "(null)" : conn->query_string);
    mg_printf_data(conn, "remote=%s:%d\nlocal=%s:%d\n", conn->remote_ip,
                   conn->remote_port > 0 ? 1 : 0, conn->local_ip, conn->local_port > 0 ? 1 : 0);
    mg_printf_data(conn, "local_port=%d\n", conn->local_port);
    mg_printf_data(conn, "num_headers=%d\n", conn->num_headers);
    for (i = 0; i < conn->num_headers; i++) {
      mg_printf_data(conn, "header %s: %s\n", conn->http_headers[i].name,
                     conn->http_headers[i].value);
    }
    mg_printf_data(conn, "content_len=%d\nbody=", (int) conn->content_len);
    mg_send_data(conn, conn->content, (int) conn->content_len);
    return MG_TRUE;
  }
  if (is(conn, "/counter")) {
    mg_printf_data(conn, "count=%d", st->requests);
    return MG_TRUE;
  }
  if (is(conn, "/stats")) {
    mg_printf_data(conn, "closes=%d", s_closes);
    return MG_TRUE;
  }
  if (is(conn, "/iterate")) {
    int n = 0, m = 0;
    struct mg_connection *c;
    mg_iterate_over_connections(s_server, count_cb, &n);
    for (c = mg_next(s_server, NULL); c != NULL; c = mg_next(s_server, c)) m++;
    mg_printf_data(conn, "iterated=%d next=%d", n, m);
    return MG_TRUE;
  }
  if (is(conn, "/nothing")) {
    return MG_TRUE;
  }
  if (is(conn, "/header")) {
    char name[100];
    const char *v;
    mg_get_var(conn, "name", name, sizeof(name));
    v = mg_get_header(conn, name);
    mg_printf_data(conn, "%s", v == NULL ? "(null)" : v);
    return MG_TRUE;
  }
  if (is(conn, "/big")) {
    static char piece[1000];
    int n = query_int(conn, "n", 0), sent = 0;
    memset(piece, 'x', sizeof(piece));
    while (sent < n) {
      int k = n - sent < (int) sizeof(piece) ? n - sent : (int) sizeof(piece);
      mg_send_data(conn, piece, k);
      sent += k;
    }
    return MG_TRUE;
  }
  if (is(conn, "/null_args")) {
    mg_send_header(conn, NULL, NULL);
    mg_send_header(conn, "X-Null-Value", NULL);
    mg_send_data(conn, NULL, 5);
    mg_write(conn, NULL, 3);
    mg_printf(conn, NULL);
    mg_printf_data(conn, NULL);
    mg_get_header(conn, NULL);
    mg_printf_data(conn, "survived");
    return MG_TRUE;
  }
  return MG_FALSE;
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  switch (ev) {
    case MG_AUTH:
      return is(conn, "/private") ? MG_FALSE : MG_TRUE;
    case MG_REQUEST:
      return on_request(conn);
    case MG_POLL:
      if (is(conn, "/more")) {
        struct conn_state *st = state(conn);
        int n = query_int(conn, "n", 3);
        if (st->ticks < n) {
          mg_printf_data(conn, "tick %d\n", ++st->ticks);
          return MG_FALSE;
        }
        mg_printf_data(conn, "done\n");
        return MG_TRUE;
      }
      if (is(conn, "/quiet")) {
        struct conn_state *st = state(conn);
        if (now_ms() - st->since < query_int(conn, "ms", 1000)) return MG_FALSE;
        mg_printf_data(conn, "answer after %d ms\n", query_int(conn, "ms", 1000));
        return MG_TRUE;
      }
      return MG_FALSE;
    case MG_HTTP_ERROR:
      if (is(conn, "/reassigned") ||
          (conn->query_string != NULL && strstr(conn->query_string, "custom") != NULL)) {
        mg_send_status(conn, conn->status_code);
        mg_send_header(conn, "Content-Type", "text/plain");
        mg_printf_data(conn, "custom %d for %s", conn->status_code,
                       conn->uri == NULL ? "(null)" : conn->uri);
        return MG_TRUE;
      }
      return MG_FALSE;
    case MG_CLOSE:
      s_closes++;
      free(conn->connection_param);
      conn->connection_param = NULL;
      return MG_TRUE;
    default:
      return MG_FALSE;
  }
}

int main(int argc, char *argv[]) {
  int status;
  s_server = mg_create_server(NULL, event_handler);
  status = run_test_server(&s_server, argc, argv, 2);
  if (status == 0) printf("destroyed=%d\n", s_server == NULL);
  return status;
}
