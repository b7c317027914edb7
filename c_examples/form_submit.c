/*
 * form_submit: an HTML form; the submitted values are read with mg_get_var
 * and shown back (HTML-escaped).
 *
 * Usage: form_submit [port or address]   (default 8080)
 */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include "mongoose.h"

static const char *s_form =
    "<!DOCTYPE html><html><body>\n"
    "<h1>Form</h1>\n"
    "<form method=\"POST\" action=\"/submit\">\n"
    "  Name: <input type=\"text\" name=\"name\"><br>\n"
    "  Comment: <input type=\"text\" name=\"comment\"><br>\n"
    "  <input type=\"submit\" value=\"Send\">\n"
    "</form></body></html>\n";

static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

/* Sends `s` with the HTML special characters escaped. */
static void send_escaped(struct mg_connection *conn, const char *s) {
  for (; *s != '\0'; s++) {
    switch (*s) {
      case '<': mg_printf_data(conn, "&lt;"); break;
      case '>': mg_printf_data(conn, "&gt;"); break;
      case '&': mg_printf_data(conn, "&amp;"); break;
      case '"': mg_printf_data(conn, "&quot;"); break;
      default: mg_send_data(conn, s, 1); break;
    }
  }
}

static void show_var(struct mg_connection *conn, const char *name) {
  char value[500];
  int n = mg_get_var(conn, name, value, sizeof(value));
  mg_printf_data(conn, "<p>%s: ", name);
  if (n >= 0) {
    send_escaped(conn, value);
  } else {
    mg_printf_data(conn, n == -2 ? "(too long)" : "(missing)");
  }
  mg_printf_data(conn, "</p>\n");
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev != MG_REQUEST) return MG_FALSE;

  mg_send_header(conn, "Content-Type", "text/html; charset=utf-8");
  if (strcmp(conn->uri, "/submit") == 0) {
    mg_printf_data(conn, "<!DOCTYPE html><html><body><h1>Submitted</h1>\n");
    show_var(conn, "name");
    show_var(conn, "comment");
    mg_printf_data(conn, "<a href=\"/\">Again</a></body></html>\n");
  } else {
    mg_printf_data(conn, "%s", s_form);
  }
  return MG_TRUE;
}

int main(int argc, char *argv[]) {
  struct mg_server *server = mg_create_server(NULL, event_handler);
  const char *port = argc > 1 ? argv[1] : "8080";
  const char *err = mg_set_option(server, "listening_port", port);

  if (err != NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", port, err);
    mg_destroy_server(&server);
    return 1;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  printf("Listening on port %s\n", mg_get_option(server, "listening_port"));
  fflush(stdout);
  while (!s_stop) {
    mg_poll_server(server, 1000);
  }
  mg_destroy_server(&server);
  return 0;
}
