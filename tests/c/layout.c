/*
 * ABI and API-shape checks for include/mongoose.h against Mongoose 5.4.
 *
 * Almost everything here is checked at compile time: struct layout with
 * _Static_assert (sizeof/offsetof), field types and function signatures by
 * assigning to pointers of the exact 5.4 types (an incompatible pointer
 * assignment is a warning, and the harness compiles with -Werror). The
 * program itself only checks MONGOOSE_VERSION at run time and prints "ok".
 */
#include "mongoose.h"
#include "mongoose.h" /* the include guard must make a second include harmless */

#ifndef MONGOOSE_HEADER_INCLUDED
#error "include guard MONGOOSE_HEADER_INCLUDED is not defined"
#endif
#ifndef MONGOOSE_VERSION
#error "MONGOOSE_VERSION is not defined"
#endif

/* mongoose.h alone must provide FILE (stdio.h) and size_t (stddef.h). */
typedef FILE *layout_file_ptr;
typedef size_t layout_size;

#include <string.h>

#define SA(cond) _Static_assert(cond, #cond)

/* ---- MONGOOSE_VERSION ---------------------------------------------------- */
SA(sizeof(MONGOOSE_VERSION) == 4);

/* ---- struct mg_header ----------------------------------------------------- */
#if defined(__LP64__)
SA(sizeof(struct mg_header) == 16);
SA(offsetof(struct mg_header, name) == 0);
SA(offsetof(struct mg_header, value) == 8);
#else
SA(sizeof(struct mg_header) == 8);
SA(offsetof(struct mg_header, name) == 0);
SA(offsetof(struct mg_header, value) == 4);
#endif

/* ---- struct mg_connection (spec 1.2) ------------------------------------- */
#define MEMBER_SIZE(type, member) sizeof(((type *) 0)->member)
#define FIELD(member, off, size)                                       \
  SA(offsetof(struct mg_connection, member) == (off));                 \
  SA(MEMBER_SIZE(struct mg_connection, member) == (size))

#if defined(__LP64__)
FIELD(request_method, 0, 8);
FIELD(uri, 8, 8);
FIELD(http_version, 16, 8);
FIELD(query_string, 24, 8);
FIELD(remote_ip, 32, 48);
FIELD(local_ip, 80, 48);
FIELD(remote_port, 128, 2);
FIELD(local_port, 130, 2);
FIELD(num_headers, 132, 4);
FIELD(http_headers, 136, 480);
FIELD(content, 616, 8);
FIELD(content_len, 624, 8);
FIELD(is_websocket, 632, 4);
FIELD(status_code, 636, 4);
FIELD(wsbits, 640, 4);
FIELD(server_param, 648, 8);
FIELD(connection_param, 656, 8);
FIELD(callback_param, 664, 8);
SA(sizeof(struct mg_connection) == 672);
#else
FIELD(request_method, 0, 4);
FIELD(uri, 4, 4);
FIELD(http_version, 8, 4);
FIELD(query_string, 12, 4);
FIELD(remote_ip, 16, 48);
FIELD(local_ip, 64, 48);
FIELD(remote_port, 112, 2);
FIELD(local_port, 114, 2);
FIELD(num_headers, 116, 4);
FIELD(http_headers, 120, 240);
FIELD(content, 360, 4);
FIELD(content_len, 364, 4);
FIELD(is_websocket, 368, 4);
FIELD(status_code, 372, 4);
FIELD(wsbits, 376, 4);
FIELD(server_param, 380, 4);
FIELD(connection_param, 384, 4);
FIELD(callback_param, 388, 4);
SA(sizeof(struct mg_connection) == 392);
#endif
SA(MEMBER_SIZE(struct mg_connection, http_headers) / sizeof(struct mg_header) == 30);

/* ---- enums (spec 1.3) ---------------------------------------------------- */
SA(MG_FALSE == 0);
SA(MG_TRUE == 1);
SA(MG_MORE == 2);
SA(MG_POLL == 100);
SA(MG_CONNECT == 101);
SA(MG_AUTH == 102);
SA(MG_REQUEST == 103);
SA(MG_REPLY == 104);
SA(MG_CLOSE == 105);
SA(MG_WS_HANDSHAKE == 106);
SA(MG_WS_CONNECT == 107);
SA(MG_HTTP_ERROR == 108);
SA(sizeof(enum mg_event) == sizeof(int));
SA(sizeof(enum mg_result) == sizeof(int));
SA(WEBSOCKET_OPCODE_CONTINUATION == 0x0);
SA(WEBSOCKET_OPCODE_TEXT == 0x1);
SA(WEBSOCKET_OPCODE_BINARY == 0x2);
SA(WEBSOCKET_OPCODE_CONNECTION_CLOSE == 0x8);
SA(WEBSOCKET_OPCODE_PING == 0x9);
SA(WEBSOCKET_OPCODE_PONG == 0xa);

/* ---- struct mg_expansion --------------------------------------------------- */
SA(offsetof(struct mg_expansion, keyword) == 0);
SA(offsetof(struct mg_expansion, handler) == sizeof(void *));
SA(sizeof(struct mg_expansion) == 2 * sizeof(void *));

/* ---- mg_handler_t ---------------------------------------------------------- */
SA(sizeof(mg_handler_t) == sizeof(void (*)(void)));

static int layout_handler(struct mg_connection *conn, enum mg_event ev) {
  (void) conn;
  return ev == MG_AUTH ? MG_TRUE : MG_FALSE;
}

static void layout_expand(struct mg_connection *conn) {
  (void) conn;
}

static int failures = 0;

/* Assigns `name` to a pointer of the exact 5.4 type `ret (*)(args)`; a
 * mismatch is an incompatible-pointer warning, i.e. an error here. The
 * volatile keeps the compiler from folding the NULL check away. */
#define API(ret, name, args)                                \
  do {                                                      \
    ret(*volatile p_##name) args = name;                    \
    if (p_##name == NULL) {                                 \
      printf("FAIL: %s resolved to NULL\n", #name);         \
      failures++;                                           \
    }                                                       \
  } while (0)

static void check_field_types(void) {
  struct mg_connection c;
  struct mg_header h;
  /* Each pointer has the exact field type of 5.4; a different type fails. */
  const char **request_method = &c.request_method;
  const char **uri = &c.uri;
  const char **http_version = &c.http_version;
  const char **query_string = &c.query_string;
  char(*remote_ip)[48] = &c.remote_ip;
  char(*local_ip)[48] = &c.local_ip;
  unsigned short *remote_port = &c.remote_port;
  unsigned short *local_port = &c.local_port;
  int *num_headers = &c.num_headers;
  struct mg_header(*http_headers)[30] = &c.http_headers;
  char **content = &c.content;
  size_t *content_len = &c.content_len;
  int *is_websocket = &c.is_websocket;
  int *status_code = &c.status_code;
  int *wsbits = &c.wsbits;
  void **server_param = &c.server_param;
  void **connection_param = &c.connection_param;
  void **callback_param = &c.callback_param;
  const char **hname = &h.name;
  const char **hvalue = &h.value;
  (void) request_method; (void) uri; (void) http_version; (void) query_string;
  (void) remote_ip; (void) local_ip; (void) remote_port; (void) local_port;
  (void) num_headers; (void) http_headers; (void) content; (void) content_len;
  (void) is_websocket; (void) status_code; (void) wsbits; (void) server_param;
  (void) connection_param; (void) callback_param; (void) hname; (void) hvalue;
}

static void check_handler_and_expansion(void) {
  /* mg_handler_t is int (*)(struct mg_connection *, enum mg_event). */
  int (*raw)(struct mg_connection *, enum mg_event) = layout_handler;
  mg_handler_t h = layout_handler;
  mg_handler_t h2 = raw;
  int (*back)(struct mg_connection *, enum mg_event) = h;
  /* struct mg_expansion { const char *keyword; void (*handler)(struct mg_connection *); } */
  struct mg_expansion exp[2] = {{"kw", layout_expand}, {NULL, NULL}};
  const char **kw = &exp[0].keyword;
  void (**handler)(struct mg_connection *) = &exp[0].handler;
  enum mg_result r = MG_MORE;
  enum mg_event ev = MG_HTTP_ERROR;
  if (h(NULL, MG_AUTH) != MG_TRUE || h2(NULL, MG_POLL) != MG_FALSE || back != raw) {
    printf("FAIL: mg_handler_t call\n");
    failures++;
  }
  if (strcmp(*kw, "kw") != 0 || *handler != layout_expand || exp[1].keyword != NULL) {
    printf("FAIL: struct mg_expansion\n");
    failures++;
  }
  if ((int) r != 2 || (int) ev != 108) {
    printf("FAIL: enum values\n");
    failures++;
  }
}

static void check_api_signatures(void) {
  /* 1.4 Server management */
  API(struct mg_server *, mg_create_server, (void *, mg_handler_t));
  API(void, mg_destroy_server, (struct mg_server **));
  API(const char *, mg_set_option, (struct mg_server *, const char *, const char *));
  API(int, mg_poll_server, (struct mg_server *, int));
  API(const char **, mg_get_valid_option_names, (void));
  API(const char *, mg_get_option, (const struct mg_server *, const char *));
  API(void, mg_set_listening_socket, (struct mg_server *, int));
  API(int, mg_get_listening_socket, (struct mg_server *));
  API(void, mg_iterate_over_connections, (struct mg_server *, mg_handler_t, void *));
  API(struct mg_connection *, mg_next, (struct mg_server *, struct mg_connection *));
  API(void, mg_wakeup_server, (struct mg_server *));
  API(void, mg_wakeup_server_ex, (struct mg_server *, mg_handler_t, const char *, ...));
  /* 1.5 Connection output */
  API(void, mg_send_status, (struct mg_connection *, int));
  API(void, mg_send_header, (struct mg_connection *, const char *, const char *));
  API(size_t, mg_send_data, (struct mg_connection *, const void *, int));
  API(size_t, mg_printf_data, (struct mg_connection *, const char *, ...));
  API(size_t, mg_write, (struct mg_connection *, const void *, int));
  API(size_t, mg_printf, (struct mg_connection *, const char *, ...));
  API(size_t, mg_websocket_write, (struct mg_connection *, int, const char *, size_t));
  API(size_t, mg_websocket_printf, (struct mg_connection *, int, const char *, ...));
  /* 1.6 Request inspection and parsing */
  API(const char *, mg_get_header, (const struct mg_connection *, const char *));
  API(const char *, mg_get_mime_type, (const char *, const char *));
  API(int, mg_get_var, (const struct mg_connection *, const char *, char *, size_t));
  API(int, mg_parse_header, (const char *, const char *, char *, size_t));
  API(int, mg_parse_multipart,
      (const char *, int, char *, int, char *, int, const char **, int *));
  /* 1.7 Utilities */
  API(void *, mg_start_thread, (void *(*) (void *), void *));
  API(char *, mg_md5, (char *, ...));
  API(int, mg_url_encode, (const char *, size_t, char *, size_t));
  API(int, mg_url_decode, (const char *, int, char *, int, int));
  API(void, mg_template, (struct mg_connection *, const char *, struct mg_expansion *));
  /* 1.8 Exported in 5.4 (declared by our header) */
  API(int, mg_match_prefix, (const char *, int, const char *));
  API(struct mg_connection *, mg_connect, (struct mg_server *, const char *, int, int));
  API(void, mg_send_file, (struct mg_connection *, const char *));
  API(int, mg_authorize_digest, (struct mg_connection *, FILE *));
  API(int, mg_terminate_ssl, (struct mg_connection *, const char *));
}

int main(void) {
  if (strcmp(MONGOOSE_VERSION, "5.4") != 0) {
    printf("FAIL: MONGOOSE_VERSION is \"%s\", expected \"5.4\"\n", MONGOOSE_VERSION);
    failures++;
  }
  check_field_types();
  check_handler_and_expansion();
  check_api_signatures();
  if (failures == 0) printf("ok\n");
  return failures == 0 ? 0 : 1;
}
