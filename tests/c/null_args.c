/*
 * Calls every function declared in mongoose.h with NULL pointers, empty
 * buffers and zero/negative lengths, and checks the neutral results the
 * header documents. The point is that nothing crashes: a crash fails the
 * test through the exit status.
 *
 * Part 1 uses a NULL server / NULL connection; part 2 a live server with
 * NULL arguments; part 3 a live connection (inside MG_REQUEST) with NULL
 * arguments. Prints every failing check; exits 0 when all pass.
 */
#define _POSIX_C_SOURCE 200809L

#include "mongoose.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(cond)                                            \
  do {                                                         \
    if (!(cond)) {                                             \
      printf("FAIL line %d: %s\n", __LINE__, #cond);           \
      failures++;                                              \
    }                                                          \
  } while (0)

#define EMPTY_MD5 "d41d8cd98f00b204e9800998ecf8427e"

static int handler_calls = 0;

static int counting_handler(struct mg_connection *conn, enum mg_event ev) {
  (void) conn;
  (void) ev;
  handler_calls++;
  return MG_FALSE;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- Part 1: NULL server, NULL connection ---------------------------------- */

static void null_connection_functions(void) {
  struct mg_expansion exps[] = {{"x", NULL}, {NULL, NULL}};

  mg_send_status(NULL, 200);
  mg_send_status(NULL, -1);
  mg_send_header(NULL, NULL, NULL);
  mg_send_header(NULL, "Content-Type", "text/plain");
  CHECK(mg_send_data(NULL, NULL, 0) == 0);
  CHECK(mg_send_data(NULL, NULL, 10) == 0);
  CHECK(mg_send_data(NULL, "abc", 3) == 0);
  CHECK(mg_send_data(NULL, "abc", -1) == 0);
  CHECK(mg_write(NULL, NULL, 0) == 0);
  CHECK(mg_write(NULL, NULL, 10) == 0);
  CHECK(mg_write(NULL, "abc", 3) == 0);
  CHECK(mg_write(NULL, "abc", -3) == 0);
  CHECK(mg_websocket_write(NULL, WEBSOCKET_OPCODE_TEXT, NULL, 0) == 0);
  CHECK(mg_websocket_write(NULL, WEBSOCKET_OPCODE_TEXT, NULL, 10) == 0);
  CHECK(mg_websocket_write(NULL, WEBSOCKET_OPCODE_BINARY, "abc", 3) == 0);
  CHECK(mg_websocket_write(NULL, -1, "abc", 3) == 0);
  CHECK(mg_get_header(NULL, NULL) == NULL);
  CHECK(mg_get_header(NULL, "Host") == NULL);
  mg_send_file(NULL, NULL);
  mg_send_file(NULL, "/etc/passwd");
  CHECK(mg_authorize_digest(NULL, NULL) == 0);
  CHECK(mg_authorize_digest(NULL, stdin) == 0);
  CHECK(mg_terminate_ssl(NULL, NULL) == 0);
  CHECK(mg_connect(NULL, NULL, 0, 0) == NULL);
  CHECK(mg_connect(NULL, "127.0.0.1", 80, 0) == NULL);
  mg_template(NULL, NULL, NULL);
  mg_template(NULL, "a{{x}}b", NULL);
  mg_template(NULL, "a{{x}}b", exps);
  CHECK(mg_get_var(NULL, NULL, NULL, 0) < 0);
  {
    char buf[16] = "unchanged";
    CHECK(mg_get_var(NULL, "a", buf, sizeof(buf)) == -1);
    CHECK(mg_get_var(NULL, NULL, buf, sizeof(buf)) == -1);
  }

  /* Variadic ones. */
  CHECK(mg_printf(NULL, "x") == 0);
  CHECK(mg_printf(NULL, "%d %s", 42, "abc") == 0);
  CHECK(mg_printf(NULL, NULL) == 0);
  CHECK(mg_printf_data(NULL, "x") == 0);
  CHECK(mg_printf_data(NULL, "%s", "") == 0);
  CHECK(mg_printf_data(NULL, NULL) == 0);
  CHECK(mg_websocket_printf(NULL, WEBSOCKET_OPCODE_TEXT, "x") == 0);
  CHECK(mg_websocket_printf(NULL, WEBSOCKET_OPCODE_TEXT, "%d", 1) == 0);
  CHECK(mg_websocket_printf(NULL, WEBSOCKET_OPCODE_TEXT, NULL) == 0);
}

static void null_server_functions(void) {
  struct mg_server *null_server = NULL;
  double start;

  mg_destroy_server(NULL);
  mg_destroy_server(&null_server);
  CHECK(null_server == NULL);
  /* A NULL server cannot succeed: any non-NULL error string is fine. */
  CHECK(mg_set_option(NULL, "document_root", "/tmp") != NULL);
  CHECK(mg_set_option(NULL, NULL, NULL) != NULL);
  CHECK(mg_set_option(NULL, "listening_port", "0") != NULL);
  CHECK(mg_get_option(NULL, "document_root") == NULL);
  CHECK(mg_get_option(NULL, NULL) == NULL);
  start = now_ms();
  CHECK(mg_poll_server(NULL, 0) == 0);
  CHECK(mg_poll_server(NULL, -1) == 0);
  CHECK(mg_poll_server(NULL, 10) == 0);
  CHECK(now_ms() - start < 1000);
  mg_set_listening_socket(NULL, -1);
  mg_set_listening_socket(NULL, 0);
  CHECK(mg_get_listening_socket(NULL) == -1);
  CHECK(mg_next(NULL, NULL) == NULL);
  mg_iterate_over_connections(NULL, NULL, NULL);
  mg_iterate_over_connections(NULL, counting_handler, NULL);
  mg_wakeup_server(NULL);
  mg_wakeup_server_ex(NULL, NULL, NULL);
  mg_wakeup_server_ex(NULL, counting_handler, "x");
  mg_wakeup_server_ex(NULL, counting_handler, "%d", 1);
  mg_internal_wakeup_ex(NULL, NULL, NULL);
  mg_internal_wakeup_ex(NULL, counting_handler, "x");
  CHECK(handler_calls == 0);
}

static void null_utility_functions(void) {
  char buf[64], md5[33];
  const char *data = (const char *) 1;
  int data_len = -7;

  /* mg_start_thread */
  CHECK(mg_start_thread(NULL, NULL) == NULL);

  /* mg_match_prefix */
  CHECK(mg_match_prefix(NULL, 0, NULL) == -1);
  CHECK(mg_match_prefix(NULL, 3, "abc") == -1);
  CHECK(mg_match_prefix("abc", 3, NULL) == -1);
  CHECK(mg_match_prefix("abc", -1, "abc") == -1);
  CHECK(mg_match_prefix("", 0, "abc") <= 0);

  /* mg_url_decode */
  CHECK(mg_url_decode(NULL, 0, NULL, 0, 0) == -1);
  CHECK(mg_url_decode("abc", 3, NULL, 10, 0) == -1);
  strcpy(buf, "unchanged");
  CHECK(mg_url_decode("abc", 3, buf, 0, 0) == -1);
  CHECK(strcmp(buf, "unchanged") == 0);
  CHECK(mg_url_decode("abc", 3, buf, -5, 1) == -1);
  CHECK(strcmp(buf, "unchanged") == 0);
  CHECK(mg_url_decode(NULL, 3, buf, sizeof(buf), 0) == -1);
  CHECK(buf[0] == '\0');
  strcpy(buf, "unchanged");
  CHECK(mg_url_decode("abc", -1, buf, sizeof(buf), 0) == -1);
  CHECK(buf[0] == '\0');
  CHECK(mg_url_decode("abc", 0, buf, sizeof(buf), 0) == 0);
  CHECK(buf[0] == '\0');

  /* mg_url_encode */
  strcpy(buf, "unchanged");
  CHECK(mg_url_encode(NULL, 5, buf, sizeof(buf)) == 0);
  CHECK(buf[0] == '\0');
  CHECK(mg_url_encode(NULL, 0, NULL, 0) == 0);
  CHECK(mg_url_encode("abc", 3, NULL, 10) == 0);
  strcpy(buf, "unchanged");
  CHECK(mg_url_encode("abc", 3, buf, 0) == 0);
  CHECK(strcmp(buf, "unchanged") == 0);
  CHECK(mg_url_encode("abc", 0, buf, sizeof(buf)) == 0);
  CHECK(buf[0] == '\0');
  CHECK(mg_url_encode("abc", 3, buf, 1) == 0);
  CHECK(buf[0] == '\0');

  /* mg_parse_header */
  strcpy(buf, "unchanged");
  CHECK(mg_parse_header(NULL, "a", buf, sizeof(buf)) == 0);
  CHECK(buf[0] == '\0');
  strcpy(buf, "unchanged");
  CHECK(mg_parse_header("a=1", NULL, buf, sizeof(buf)) == 0);
  CHECK(buf[0] == '\0');
  CHECK(mg_parse_header("a=1", "a", NULL, 10) == 0);
  CHECK(mg_parse_header(NULL, NULL, NULL, 0) == 0);
  strcpy(buf, "unchanged");
  CHECK(mg_parse_header("a=1", "a", buf, 0) == 0);
  CHECK(strcmp(buf, "unchanged") == 0);
  CHECK(mg_parse_header("", "a", buf, sizeof(buf)) == 0);

  /* mg_parse_multipart */
  {
    static const char part[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
        "\r\n"
        "hello\r\n"
        "--XyZ--\r\n";
    char var[16], file[16];
    CHECK(mg_parse_multipart(NULL, 0, NULL, 0, NULL, 0, NULL, NULL) == 0);
    CHECK(mg_parse_multipart(NULL, 100, var, sizeof(var), file, sizeof(file), &data,
                             &data_len) == 0);
    CHECK(data == (const char *) 1 && data_len == -7); /* untouched on 0 */
    CHECK(mg_parse_multipart(part, 0, var, sizeof(var), file, sizeof(file), &data,
                             &data_len) == 0);
    CHECK(mg_parse_multipart(part, -1, var, sizeof(var), file, sizeof(file), &data,
                             &data_len) == 0);
    CHECK(data == (const char *) 1 && data_len == -7);
    /* A complete part with every output NULL or zero-sized still parses. */
    CHECK(mg_parse_multipart(part, (int) strlen(part), NULL, 0, NULL, 0, NULL, NULL) > 0);
    CHECK(mg_parse_multipart(part, (int) strlen(part), var, 0, file, -1, NULL, NULL) > 0);
    CHECK(mg_parse_multipart(part, (int) strlen(part), var, sizeof(var), file, sizeof(file),
                             &data, &data_len) > 0);
    CHECK(strcmp(var, "f") == 0 && strcmp(file, "a.txt") == 0);
    CHECK(data_len == 5 && data != NULL && memcmp(data, "hello", 5) == 0);
  }

  /* mg_get_mime_type */
  CHECK(mg_get_mime_type(NULL, NULL) == NULL);
  CHECK(mg_get_mime_type(NULL, "text/plain") != NULL &&
        strcmp(mg_get_mime_type(NULL, "text/plain"), "text/plain") == 0);
  CHECK(mg_get_mime_type("", NULL) == NULL);
  CHECK(mg_get_mime_type("file.no-such-extension", NULL) == NULL);

  /* mg_md5 / mg_internal_md5 */
  CHECK(mg_md5(NULL, "a", NULL) == NULL);
  CHECK(mg_md5(NULL, NULL) == NULL);
  memset(md5, 'z', sizeof(md5));
  CHECK(mg_md5(md5, NULL) == md5);
  CHECK(strcmp(md5, EMPTY_MD5) == 0);
  mg_internal_md5(NULL, "abc", 3);
  mg_internal_md5(NULL, NULL, 0);
  memset(md5, 'z', sizeof(md5));
  mg_internal_md5(md5, NULL, 5);
  CHECK(strcmp(md5, EMPTY_MD5) == 0);

  /* mg_get_valid_option_names takes no arguments; calling it is enough. */
  CHECK(mg_get_valid_option_names() != NULL);
}

/* ---- Part 2: live server, NULL arguments ------------------------------------ */

static void live_server_null_args(void) {
  struct mg_server *server = mg_create_server(NULL, NULL);
  double start;
  CHECK(server != NULL);
  if (server == NULL) return;

  CHECK(mg_connect(server, NULL, 80, 0) == NULL);
  CHECK(mg_connect(server, "127.0.0.1", -1, 0) == NULL);
  CHECK(mg_connect(server, "127.0.0.1", 70000, 1) == NULL); /* bad port, TLS too */
  CHECK(mg_set_option(server, NULL, NULL) != NULL);
  CHECK(mg_set_option(server, NULL, "x") != NULL);
  CHECK(mg_set_option(server, "document_root", NULL) == NULL); /* restores default */
  CHECK(mg_get_option(server, NULL) == NULL);
  CHECK(mg_set_option(server, "listening_port", NULL) == NULL);
  CHECK(mg_get_listening_socket(server) == -1);
  mg_set_listening_socket(server, -1);
  mg_set_listening_socket(server, -5);
  CHECK(mg_get_listening_socket(server) == -1);
  CHECK(mg_next(server, NULL) == NULL);
  mg_iterate_over_connections(server, NULL, NULL);
  mg_iterate_over_connections(server, counting_handler, NULL); /* no connections */
  mg_wakeup_server_ex(server, NULL, NULL);
  mg_wakeup_server_ex(server, NULL, "x");
  mg_wakeup_server_ex(server, counting_handler, NULL);
  mg_internal_wakeup_ex(server, NULL, NULL);
  mg_internal_wakeup_ex(server, counting_handler, NULL);
  mg_wakeup_server(server);
  start = now_ms();
  CHECK(mg_poll_server(server, -1) == 0);
  CHECK(mg_poll_server(server, -1000) == 0);
  CHECK(mg_poll_server(server, 0) == 0);
  CHECK(now_ms() - start < 1000);
  CHECK(handler_calls == 0); /* there were no connections to call it for */
  mg_destroy_server(&server);
  CHECK(server == NULL);
}

/* ---- Part 3: live connection, NULL arguments --------------------------------- */

static int request_seen = 0;

/* `call` must leave the connection's output queue unchanged and return its
 * length (the 5.4 meaning of the size_t results). */
#define SENDS_NOTHING(call)                                                   \
  do {                                                                        \
    size_t before_ = mg_write(conn, "", 0);                                   \
    size_t result_ = (call);                                                  \
    size_t after_ = mg_write(conn, "", 0);                                    \
    if (result_ != before_ || after_ != before_) {                            \
      printf("FAIL line %d: %s queued %d byte(s) (returned %lu, queue %lu)\n", \
             __LINE__, #call, (int) (after_ - before_), (unsigned long) result_, \
             (unsigned long) before_);                                        \
      failures++;                                                             \
    }                                                                         \
  } while (0)

static int live_handler(struct mg_connection *conn, enum mg_event ev) {
  char buf[16];
  struct mg_expansion null_handler[] = {{"y", NULL}, {NULL, NULL}};
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev != MG_REQUEST) return MG_FALSE;
  request_seen++;

  CHECK(mg_get_header(conn, NULL) == NULL);
  CHECK(mg_get_header(conn, "") == NULL);
  CHECK(mg_get_var(conn, NULL, buf, sizeof(buf)) == -1);
  CHECK(mg_get_var(conn, "a", NULL, 0) == -2);
  CHECK(mg_get_var(conn, "a", buf, 0) == -2);
  CHECK(mg_get_var(conn, "a", buf, sizeof(buf)) == 1 && strcmp(buf, "1") == 0);

  mg_send_header(conn, NULL, NULL);
  mg_send_header(conn, "X-Null-Value", NULL);
  mg_send_header(conn, NULL, "x");
  /* Templates with NULL text / NULL expansions / a NULL expansion handler. */
  mg_template(conn, NULL, NULL);
  mg_template(conn, "a{{x}}b", NULL);
  mg_template(conn, "c{{y}}d", null_handler);

  /* The output functions return the number of bytes waiting to be sent (as
   * in 5.4), so a call that sends nothing returns the current queue length,
   * which `mg_write(conn, "", 0)` reports, and leaves it unchanged. */
  SENDS_NOTHING(mg_send_data(conn, NULL, 5));
  SENDS_NOTHING(mg_send_data(conn, NULL, -5));
  SENDS_NOTHING(mg_send_data(conn, "abc", -1)); /* negative: not the end of the body */
  SENDS_NOTHING(mg_write(conn, NULL, 5));
  SENDS_NOTHING(mg_write(conn, "abc", -1));
  SENDS_NOTHING(mg_write(conn, NULL, 0));
  SENDS_NOTHING(mg_websocket_write(conn, WEBSOCKET_OPCODE_TEXT, NULL, 5));
  SENDS_NOTHING(mg_printf(conn, NULL));
  SENDS_NOTHING(mg_printf_data(conn, NULL));
  SENDS_NOTHING(mg_websocket_printf(conn, WEBSOCKET_OPCODE_TEXT, NULL));
  SENDS_NOTHING((mg_template(conn, NULL, NULL), (size_t) mg_write(conn, "", 0)));
  CHECK(mg_next(NULL, conn) == NULL);
  mg_send_data(conn, "", 0);
  return MG_TRUE;
}

/* Decodes the chunked body of the response in `r` (length `n`) into `body`.
 * Returns 1 when the terminating chunk was found; `*trailing` is the number
 * of bytes after it. */
static int dechunk(const char *r, size_t n, char *body, size_t *body_len, size_t *trailing) {
  const char *p = strstr(r, "\r\n\r\n"), *end = r + n;
  if (p == NULL) return 0;
  p += 4;
  while (p < end) {
    char *q;
    unsigned long size = strtoul(p, &q, 16);
    if (q == p || q + 2 > end || q[0] != '\r' || q[1] != '\n') return 0;
    p = q + 2;
    if (size == 0) {
      if (p + 2 > end || p[0] != '\r' || p[1] != '\n') return 0;
      *trailing = (size_t) (end - (p + 2));
      return 1;
    }
    if (p + size + 2 > end) return 0;
    memcpy(body + *body_len, p, size);
    *body_len += size;
    p += size + 2;
  }
  return 0;
}

static void live_connection_null_args(void) {
  static const char request[] = "GET /x?a=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  struct mg_server *server = mg_create_server(NULL, live_handler);
  struct sockaddr_in sin;
  char reply[8192];
  size_t got = 0;
  int fd, i, port;
  const char *v;

  CHECK(server != NULL);
  if (server == NULL) return;
  CHECK(mg_set_option(server, "listening_port", "127.0.0.1:0") == NULL);
  v = mg_get_option(server, "listening_port");
  port = v ? atoi(v) : 0;
  CHECK(port > 0);
  if (port <= 0) {
    mg_destroy_server(&server);
    return;
  }

  fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == 0);
  CHECK(send(fd, request, sizeof(request) - 1, 0) == (ssize_t) (sizeof(request) - 1));

  /* Serve until the server has closed the connection (Connection: close). */
  for (i = 0; i < 100; i++) {
    ssize_t n;
    mg_poll_server(server, 20);
    while ((n = recv(fd, reply + got, sizeof(reply) - 1 - got, MSG_DONTWAIT)) > 0) {
      got += (size_t) n;
    }
    if (n == 0) break;
  }
  reply[got] = '\0';
  close(fd);

  CHECK(request_seen == 1);
  CHECK(strncmp(reply, "HTTP/1.1 200", 12) == 0);
  {
    char body[8192];
    size_t body_len = 0, trailing = 0;
    int complete = dechunk(reply, got, body, &body_len, &trailing);
    CHECK(complete);
    /* The template text arrives (possibly split into several chunks). */
    CHECK(body_len >= 8 && memcmp(body, "a{{x}}bc", 8) == 0);
    CHECK(body_len >= 1 && body[body_len - 1] == 'd');
    /* Nothing after the chunked terminator. */
    if (trailing != 0) {
      printf("FAIL line %d: %d stray byte(s) after the end of the chunked body\n", __LINE__,
             (int) trailing);
      failures++;
    }
  }
  if (failures != 0) printf("reply was: %s\n", reply);
  mg_destroy_server(&server);
  CHECK(server == NULL);
}

int main(void) {
  null_connection_functions();
  null_server_functions();
  null_utility_functions();
  live_server_null_args();
  live_connection_null_args();
  if (failures == 0) {
    printf("ok\n");
    return 0;
  }
  printf("%d check(s) failed\n", failures);
  return 1;
}
