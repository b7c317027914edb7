/*
 * pubsub: browsers subscribe to a Server-Sent Events stream at /events.
 * A producer thread publishes a tick every second with
 * mg_wakeup_server_ex(); anyone can publish with /publish?msg=... (that
 * call runs on the IO thread, which works too). Messages reach every
 * subscriber in order.
 *
 * Usage: pubsub [port or address]   (default 8080)
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep, localtime_r */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include "mongoose.h"

static const char *s_page =
    "<!DOCTYPE html><html><body><h1>pubsub</h1>\n"
    "<form onsubmit=\"fetch('/publish?msg=' + encodeURIComponent(m.value)); m.value=''; "
    "return false;\"><input id=\"m\"> <input type=\"submit\" value=\"Publish\"></form>\n"
    "<pre id=\"log\"></pre>\n"
    "<script>new EventSource('/events').onmessage = function (e) {\n"
    "  log.textContent = e.data + '\\n' + log.textContent;\n"
    "};</script></body></html>\n";

/* connection_param of a subscriber points here. */
static char s_subscriber;
static struct mg_server *s_server;
static volatile sig_atomic_t s_stop = 0;
static volatile sig_atomic_t s_producer_done = 0;

static void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

static void on_signal(int sig) {
  s_stop = sig;
}

/* Runs on the IO thread for every connection; callback_param is the text. */
static int push(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_POLL && conn->connection_param == &s_subscriber) {
    mg_printf_data(conn, "data: %s\n\n", (const char *) conn->callback_param);
  }
  return MG_TRUE;
}

/* Another thread: publishes a tick every second. */
static void *producer(void *param) {
  int n = 0, i;
  (void) param;
  while (!s_stop) {
    time_t now = time(NULL);
    struct tm tm;
    char when[64];
    strftime(when, sizeof(when), "%H:%M:%S", localtime_r(&now, &tm));
    mg_wakeup_server_ex(s_server, push, "tick %d at %s", ++n, when);
    for (i = 0; i < 20 && !s_stop; i++) sleep_ms(50);
  }
  s_producer_done = 1;
  return NULL;
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev != MG_REQUEST) return MG_FALSE;

  if (strcmp(conn->uri, "/events") == 0) {
    conn->connection_param = &s_subscriber;
    mg_send_header(conn, "Content-Type", "text/event-stream");
    mg_send_header(conn, "Cache-Control", "no-cache");
    mg_printf_data(conn, ": subscribed\n\n");
    return MG_MORE; /* keep streaming */
  }
  if (strcmp(conn->uri, "/publish") == 0) {
    char msg[500];
    if (mg_get_var(conn, "msg", msg, sizeof(msg)) > 0) {
      mg_wakeup_server_ex(s_server, push, "%s", msg);
      mg_printf_data(conn, "published\n");
    } else {
      mg_send_status(conn, 400);
      mg_printf_data(conn, "msg is missing\n");
    }
    return MG_TRUE;
  }
  mg_send_header(conn, "Content-Type", "text/html; charset=utf-8");
  mg_printf_data(conn, "%s", s_page);
  return MG_TRUE;
}

int main(int argc, char *argv[]) {
  const char *port = argc > 1 ? argv[1] : "8080";
  const char *err;

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
  mg_start_thread(producer, NULL);
  while (!s_stop) {
    mg_poll_server(s_server, 1000);
  }
  while (!s_producer_done) sleep_ms(10); /* the producer uses the server */
  mg_destroy_server(&s_server);
  return 0;
}
