/*
 * Cross-thread delivery test server (tests/threads.rs).
 *   /stream           subscribe: every delivered message becomes one line
 *   /produce?threads=T&count=N
 *                     T threads each send N messages "p<t> <i>" with
 *                     mg_wakeup_server_ex
 *   /self             mg_wakeup_server_ex from inside the handler (IO thread)
 *   /iterate_thread   another thread calls mg_iterate_over_connections
 *   /end              ends every stream
 *   /long?n=N         one message of N bytes
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mongoose.h"

static struct mg_server *s_server;
static volatile sig_atomic_t s_stop;
static char s_stream_marker, s_ended_marker;
static int s_iterate_param = 42;

struct producer {
  int id, count;
};

static void on_signal(int sig) { s_stop = sig; }

static int push_line(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_POLL && conn->connection_param == &s_stream_marker) {
    mg_printf_data(conn, "%s\n", (const char *) conn->callback_param);
  }
  return MG_TRUE;
}

static int push_iter(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_POLL && conn->connection_param == &s_stream_marker) {
    mg_printf_data(conn, "iter %d\n", *(int *) conn->callback_param);
  }
  return MG_TRUE;
}

static int end_stream(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_POLL && conn->connection_param == &s_stream_marker) {
    mg_printf_data(conn, "end\n");
    conn->connection_param = &s_ended_marker;
  }
  return MG_TRUE;
}

static void *produce(void *param) {
  struct producer *p = (struct producer *) param;
  int i;
  for (i = 0; i < p->count; i++) {
    mg_wakeup_server_ex(s_server, push_line, "p%d %d", p->id, i);
  }
  free(p);
  return NULL;
}

static void *iterate_from_thread(void *param) {
  (void) param;
  mg_iterate_over_connections(s_server, push_iter, &s_iterate_param);
  return NULL;
}

static int query_int(const struct mg_connection *conn, const char *name, int def) {
  char buf[32];
  return mg_get_var(conn, name, buf, sizeof(buf)) > 0 ? atoi(buf) : def;
}

static int handler(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev == MG_POLL) {
    /* A stream ended by /end finishes its request. */
    return conn->connection_param == &s_ended_marker ? MG_TRUE : MG_FALSE;
  }
  if (ev != MG_REQUEST) return MG_FALSE;
  if (strcmp(conn->uri, "/stream") == 0) {
    conn->connection_param = &s_stream_marker;
    mg_printf_data(conn, "subscribed\n");
    return MG_MORE;
  }
  if (strcmp(conn->uri, "/produce") == 0) {
    int t, threads = query_int(conn, "threads", 1), count = query_int(conn, "count", 1);
    for (t = 0; t < threads; t++) {
      struct producer *p = (struct producer *) malloc(sizeof(*p));
      p->id = t;
      p->count = count;
      mg_start_thread(produce, p);
    }
    mg_printf_data(conn, "started %d\n", threads);
    return MG_TRUE;
  }
  if (strcmp(conn->uri, "/self") == 0) {
    mg_wakeup_server_ex(s_server, push_line, "self %s", "wakeup");
    mg_printf_data(conn, "queued\n");
    return MG_TRUE;
  }
  if (strcmp(conn->uri, "/long") == 0) {
    int n = query_int(conn, "n", 10);
    char *text = (char *) malloc((size_t) n + 1);
    memset(text, 'L', (size_t) n);
    text[n] = '\0';
    mg_wakeup_server_ex(s_server, push_line, "%s", text);
    free(text);
    mg_printf_data(conn, "queued\n");
    return MG_TRUE;
  }
  if (strcmp(conn->uri, "/iterate_thread") == 0) {
    pthread_t t;
    pthread_create(&t, NULL, iterate_from_thread, NULL);
    pthread_detach(t);
    mg_printf_data(conn, "started\n");
    return MG_TRUE;
  }
  if (strcmp(conn->uri, "/end") == 0) {
    mg_iterate_over_connections(s_server, end_stream, NULL);
    mg_printf_data(conn, "ended\n");
    return MG_TRUE;
  }
  return MG_FALSE;
}

int main(int argc, char *argv[]) {
  s_server = mg_create_server(NULL, handler);
  if (mg_set_option(s_server, "listening_port", argc > 1 ? argv[1] : "0") != NULL) return 1;
  signal(SIGTERM, on_signal);
  printf("Listening on port %s\n", mg_get_option(s_server, "listening_port"));
  fflush(stdout);
  while (!s_stop) mg_poll_server(s_server, 1000);
  mg_destroy_server(&s_server);
  return 0;
}
