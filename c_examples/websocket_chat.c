/*
 * websocket_chat: browsers chat over websockets. Every message is
 * broadcast to all websocket connections with mg_iterate_over_connections;
 * once a second every client also gets a timer line, as in Mongoose 5.4's
 * websocket example.
 *
 * Usage: websocket_chat [port or address]   (default 8080)
 */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include "mongoose.h"

static const char *s_page =
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>websocket chat</title></head>\n"
    "<body><h1>websocket chat</h1>\n"
    "<input id=\"msg\" placeholder=\"say something\"> <button id=\"send\">Send</button>\n"
    "<p id=\"time\"></p><pre id=\"log\"></pre>\n"
    "<script>\n"
    "var ws = new WebSocket('ws://' + location.host + '/chat');\n"
    "ws.onmessage = function (e) {\n"
    "  if (e.data.indexOf('time ') === 0) {\n"
    "    document.getElementById('time').textContent = e.data;\n"
    "  } else {\n"
    "    document.getElementById('log').textContent += e.data + '\\n';\n"
    "  }\n"
    "};\n"
    "document.getElementById('send').onclick = function () {\n"
    "  var m = document.getElementById('msg');\n"
    "  ws.send(m.value); m.value = '';\n"
    "};\n"
    "</script></body></html>\n";

static struct mg_server *s_server;
static volatile sig_atomic_t s_stop = 0;

struct chat_message {
  const struct mg_connection *from;
  const char *text;
  size_t len;
};

static void on_signal(int sig) {
  s_stop = sig;
}

/* Iteration callback: send the message in callback_param to websockets. */
static int broadcast(struct mg_connection *conn, enum mg_event ev) {
  const struct chat_message *m = (const struct chat_message *) conn->callback_param;
  if (ev == MG_POLL && conn->is_websocket) {
    mg_websocket_printf(conn, WEBSOCKET_OPCODE_TEXT, "%s:%u %.*s", m->from->remote_ip,
                        (unsigned) m->from->remote_port, (int) m->len, m->text);
  }
  return MG_TRUE;
}

static int send_time(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_POLL && conn->is_websocket) {
    mg_websocket_printf(conn, WEBSOCKET_OPCODE_TEXT, "time %s", (const char *) conn->callback_param);
  }
  return MG_TRUE;
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  switch (ev) {
    case MG_AUTH:
      return MG_TRUE;
    case MG_WS_CONNECT:
      mg_websocket_printf(conn, WEBSOCKET_OPCODE_TEXT, "welcome %s:%u", conn->remote_ip,
                          (unsigned) conn->remote_port);
      return MG_FALSE;
    case MG_REQUEST:
      if (conn->is_websocket) {
        struct chat_message m;
        m.from = conn;
        m.text = conn->content;
        m.len = conn->content_len;
        mg_iterate_over_connections(s_server, broadcast, &m);
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
  const char *port = argc > 1 ? argv[1] : "8080";
  const char *err;
  time_t last = 0;

  s_server = mg_create_server(NULL, event_handler);
  if ((err = mg_set_option(s_server, "listening_port", port)) != NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", port, err);
    mg_destroy_server(&s_server);
    return 1;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  printf("Listening on port %s\n", mg_get_option(s_server, "listening_port"));
  fflush(stdout);
  while (!s_stop) {
    time_t now;
    mg_poll_server(s_server, 200);
    now = time(NULL);
    if (now != last) {
      char text[64];
      last = now;
      strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", gmtime(&now));
      mg_iterate_over_connections(s_server, send_time, text);
    }
  }
  mg_destroy_server(&s_server);
  return 0;
}
