/*
 * Output that one connection's handler queues for another connection must
 * leave in the same mg_poll_server() call, even when that other connection
 * was accepted during this very call. Self-checking: exits 0 on success.
 *
 * N asks for /wait (the handler keeps it open with MG_MORE); E asks for
 * /push, whose handler writes to every waiting connection. Both requests
 * are sent before one single poll, which accepts N and serves E.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mongoose.h"

static struct mg_server *s_server;
static int s_waiting;

static int handler(struct mg_connection *conn, enum mg_event ev) {
  struct mg_connection *c;
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev != MG_REQUEST) return MG_FALSE;
  if (strcmp(conn->uri, "/wait") == 0) {
    conn->connection_param = &s_waiting;
    mg_send_header(conn, "Content-Type", "text/plain");
    return MG_MORE;
  }
  for (c = mg_next(s_server, NULL); c != NULL; c = mg_next(s_server, c)) {
    if (c->connection_param == &s_waiting) mg_printf_data(c, "pushed");
  }
  mg_printf_data(conn, "done");
  return MG_TRUE;
}

static int dial(int port) {
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short) port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *) &a, sizeof(a)) != 0) {
    perror("connect");
    exit(1);
  }
  return fd;
}

static void send_all(int fd, const char *text) {
  if (write(fd, text, strlen(text)) != (ssize_t) strlen(text)) {
    perror("write");
    exit(1);
  }
}

int main(void) {
  char buf[2048];
  ssize_t n;
  int i, port, e, w;
  s_server = mg_create_server(NULL, handler);
  if (mg_set_option(s_server, "listening_port", "127.0.0.1:0") != NULL) return 1;
  port = atoi(mg_get_option(s_server, "listening_port"));

  e = dial(port);
  for (i = 0; i < 3; i++) mg_poll_server(s_server, 20); /* E is accepted */
  w = dial(port);
  send_all(w, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  send_all(e, "GET /push HTTP/1.1\r\nHost: x\r\n\r\n");
  usleep(100 * 1000);
  mg_poll_server(s_server, 200); /* accepts W (MG_MORE), then serves E */
  usleep(100 * 1000);

  fcntl(w, F_SETFL, O_NONBLOCK);
  n = read(w, buf, sizeof(buf) - 1);
  buf[n > 0 ? n : 0] = '\0';
  if (strstr(buf, "pushed") == NULL) {
    fprintf(stderr, "after one poll the waiting connection has: [%s]\n", buf);
    return 1;
  }
  close(w);
  close(e);
  mg_destroy_server(&s_server);
  return 0;
}
