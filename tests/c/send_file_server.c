/*
 * mg_send_file and MG_HTTP_ERROR from a handler, driven by
 * tests/static_files.rs.
 *
 * Usage: send_file_server PORT DOCROOT
 *
 *   /send?path=FILE  serves FILE with mg_send_file and returns MG_MORE
 *   /docs/REST       serves DOCROOT/REST with mg_send_file (directories
 *                    included: their index file or listing)
 *   /hello           a plain handler reply ("hello")
 *   anything else    declined (MG_FALSE): the built-in file handling
 *                    serves it from DOCROOT
 *
 * MG_HTTP_ERROR: a 404 for a URI starting with /custom gets the body
 * "custom 404 for URI" instead of the default page.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "mongoose.h"

static volatile sig_atomic_t s_stop;
static const char *s_docroot;

static void on_signal(int sig) { s_stop = sig; }

static int starts_with(const char *s, const char *prefix) {
  return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  switch (ev) {
    case MG_AUTH:
      return MG_TRUE;
    case MG_REQUEST:
      if (conn->uri != NULL && strcmp(conn->uri, "/send") == 0) {
        char path[1024];
        if (mg_get_var(conn, "path", path, sizeof(path)) <= 0) {
          mg_send_status(conn, 400);
          mg_printf_data(conn, "no path");
          return MG_TRUE;
        }
        mg_send_file(conn, path);
        return MG_MORE;
      }
      if (starts_with(conn->uri, "/docs/")) {
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", s_docroot, conn->uri + 6);
        mg_send_file(conn, path);
        return MG_MORE;
      }
      if (conn->uri != NULL && strcmp(conn->uri, "/hello") == 0) {
        mg_printf_data(conn, "hello");
        return MG_TRUE;
      }
      return MG_FALSE;
    case MG_HTTP_ERROR:
      if (conn->status_code == 404 && starts_with(conn->uri, "/custom")) {
        mg_send_status(conn, 404);
        mg_send_header(conn, "Content-Type", "text/plain");
        mg_printf_data(conn, "custom 404 for %s", conn->uri);
        return MG_TRUE;
      }
      return MG_FALSE;
    default:
      return MG_FALSE;
  }
}

int main(int argc, char *argv[]) {
  struct mg_server *server;
  const char *err;

  if (argc < 3) {
    fprintf(stderr, "usage: %s PORT DOCROOT\n", argv[0]);
    return 2;
  }
  s_docroot = argv[2];
  server = mg_create_server(NULL, event_handler);
  if ((err = mg_set_option(server, "document_root", argv[2])) != NULL ||
      (err = mg_set_option(server, "listening_port", argv[1])) != NULL) {
    fprintf(stderr, "mg_set_option: %s\n", err);
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
