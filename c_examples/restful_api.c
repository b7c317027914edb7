/*
 * restful_api: a small JSON API.
 *   GET or POST /api/sum?n1=1.5&n2=2   ->  {"result": 3.5}
 *   missing or non-numeric arguments   ->  400 {"error": "..."}
 *   anything else                      ->  an HTML page that calls the API
 *
 * Usage: restful_api [port or address]   (default 8080)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include "mongoose.h"

static const char *s_index =
    "<!DOCTYPE html><html><body><h1>Sum</h1>\n"
    "<input id=\"n1\" value=\"1\"> + <input id=\"n2\" value=\"2\">\n"
    "<button onclick=\"go()\">=</button> <span id=\"r\"></span>\n"
    "<script>function go() {\n"
    "  fetch('/api/sum?n1=' + encodeURIComponent(n1.value) + '&n2=' +\n"
    "        encodeURIComponent(n2.value)).then(r => r.json())\n"
    "    .then(j => { r.textContent = 'result' in j ? j.result : j.error; });\n"
    "}</script></body></html>\n";

static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

/* Reads variable `name` as a number; returns 0 and sets *out on success. */
static int get_number(struct mg_connection *conn, const char *name, double *out) {
  char buf[64], *end;
  if (mg_get_var(conn, name, buf, sizeof(buf)) <= 0) return -1;
  *out = strtod(buf, &end);
  return *end == '\0' ? 0 : -1;
}

static void send_json(struct mg_connection *conn, int status, const char *json) {
  mg_send_status(conn, status);
  mg_send_header(conn, "Content-Type", "application/json");
  mg_send_header(conn, "Cache-Control", "no-cache");
  mg_printf_data(conn, "%s\n", json);
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev != MG_REQUEST) return MG_FALSE;

  if (strcmp(conn->uri, "/api/sum") == 0) {
    double n1, n2;
    char json[100];
    if (get_number(conn, "n1", &n1) != 0 || get_number(conn, "n2", &n2) != 0) {
      send_json(conn, 400, "{\"error\": \"n1 and n2 must be numbers\"}");
    } else {
      snprintf(json, sizeof(json), "{\"result\": %.17g}", n1 + n2);
      send_json(conn, 200, json);
    }
  } else if (strncmp(conn->uri, "/api/", 5) == 0) {
    send_json(conn, 404, "{\"error\": \"no such endpoint\"}");
  } else {
    mg_send_header(conn, "Content-Type", "text/html; charset=utf-8");
    mg_printf_data(conn, "%s", s_index);
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
