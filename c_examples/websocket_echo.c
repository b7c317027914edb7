/*
 * websocket_echo: every websocket message is sent back with its opcode
 * (text stays text, binary stays binary). GET / serves a page, embedded in
 * this program, that connects and shows the echoes. Opened as /?autotest,
 * the page sends "hello from chromium" as soon as the socket is open (used
 * by the headless-browser test in tests/websocket.rs).
 *
 * Usage: websocket_echo [port or address]   (default 8080)
 */
#include <stdio.h>
#include <signal.h>
#include "mongoose.h"

static const char *s_page =
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>websocket echo</title></head>\n"
    "<body><h1>websocket echo</h1>\n"
    "<p>Status: <span id=\"status\">connecting</span></p>\n"
    "<input id=\"msg\" value=\"hello\"> <button id=\"send\">Send</button>\n"
    "<pre id=\"log\"></pre>\n"
    "<script>\n"
    "var ws = new WebSocket('ws://' + location.host + '/ws');\n"
    "var log = document.getElementById('log');\n"
    "ws.onopen = function () {\n"
    "  document.getElementById('status').textContent = 'open';\n"
    "  if (location.search.indexOf('autotest') >= 0) ws.send('hello from chromium');\n"
    "};\n"
    "ws.onclose = function () { document.getElementById('status').textContent = 'closed'; };\n"
    "ws.onmessage = function (e) {\n"
    "  var line = document.createElement('div');\n"
    "  line.className = 'echo';\n"
    "  line.textContent = e.data;\n"
    "  log.appendChild(line);\n"
    "};\n"
    "document.getElementById('send').onclick = function () {\n"
    "  ws.send(document.getElementById('msg').value);\n"
    "};\n"
    "</script></body></html>\n";

static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  switch (ev) {
    case MG_AUTH:
      return MG_TRUE;
    case MG_REQUEST:
      if (conn->is_websocket) {
        /* wsbits holds FIN and the opcode of the message. */
        mg_websocket_write(conn, conn->wsbits & 0x0f, conn->content, conn->content_len);
        return MG_TRUE;
      }
      mg_send_header(conn, "Content-Type", "text/html; charset=utf-8");
      mg_printf_data(conn, "%s", s_page);
      return MG_TRUE;
    default:
      return MG_FALSE;
  }
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
