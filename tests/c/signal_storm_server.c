/*
 * A server whose process gets a signal every millisecond, driven by
 * tests/faults.rs. SIGUSR1 has a no-op handler installed WITHOUT
 * SA_RESTART, so every blocking call the library makes (select, and any
 * read, write, accept or sendfile that would block) can fail with EINTR.
 *
 * Usage: signal_storm_server PORT [option=value ...]
 *
 *   /hello      "hello"
 *   /echo       the request body, back (Content-Length framing)
 *   /signals    how many SIGUSR1 the process has received so far
 *   websocket   every message echoed with its opcode
 *   anything else is declined: with document_root set, served from disk
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "mongoose.h"
#include "test_main.h"

static volatile sig_atomic_t s_signals;

static void on_usr1(int sig) {
  (void) sig;
  s_signals++;
}

static int is(const struct mg_connection *conn, const char *uri) {
  return conn->uri != NULL && strcmp(conn->uri, uri) == 0;
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev != MG_REQUEST) return MG_FALSE;
  if (conn->is_websocket) {
    mg_websocket_write(conn, conn->wsbits & 0x0f, conn->content, conn->content_len);
    return MG_TRUE;
  }
  if (is(conn, "/hello")) {
    mg_printf_data(conn, "hello");
    return MG_TRUE;
  }
  if (is(conn, "/echo")) {
    mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", (int) conn->content_len);
    mg_write(conn, conn->content, (int) conn->content_len);
    return MG_TRUE;
  }
  if (is(conn, "/signals")) {
    mg_printf_data(conn, "%d", (int) s_signals);
    return MG_TRUE;
  }
  return MG_FALSE;
}

int main(int argc, char *argv[]) {
  struct mg_server *server = mg_create_server(NULL, event_handler);
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: interrupted calls fail with EINTR */
  if (sigaction(SIGUSR1, &sa, NULL) != 0) {
    perror("sigaction");
    return 1;
  }
  return run_test_server(&server, argc, argv, 2);
}
