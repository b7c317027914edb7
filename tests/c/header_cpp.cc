// mongoose.h used from C++: the declarations must be wrapped in extern "C",
// otherwise the calls below would reference C++-mangled names and fail to
// link against libmongoose.a. Prints "ok" and exits 0 on success.
#include "mongoose.h"

#include <cstdio>
#include <cstring>

static int cpp_handler(struct mg_connection *conn, enum mg_event ev) {
  (void) conn;
  return ev == MG_AUTH ? MG_TRUE : MG_FALSE;
}

static void cpp_expand(struct mg_connection *conn) {
  (void) conn;
}

// Taking addresses with C linkage types; mismatches fail to compile.
extern "C" {
typedef size_t (*printf_fn)(struct mg_connection *, const char *, ...);
typedef char *(*md5_fn)(char *, ...);
}

int main() {
  int failures = 0;
  static_assert(sizeof(struct mg_connection) == (sizeof(void *) == 8 ? 672 : 392),
                "struct mg_connection size");
  static_assert(MG_HTTP_ERROR == 108 && MG_MORE == 2, "enum values");

  if (std::strcmp(MONGOOSE_VERSION, "5.4") != 0) {
    std::printf("FAIL: version %s\n", MONGOOSE_VERSION);
    failures++;
  }

  mg_handler_t h = cpp_handler;
  struct mg_expansion exp[] = {{"x", cpp_expand}, {NULL, NULL}};
  (void) exp;

  struct mg_server *server = mg_create_server(NULL, h);
  if (server == NULL) {
    std::printf("FAIL: mg_create_server returned NULL\n");
    return 1;
  }
  const char *err = mg_set_option(server, "no_such_option", "1");
  if (err == NULL || std::strcmp(err, "No such option") != 0) {
    std::printf("FAIL: mg_set_option unknown name -> %s\n", err ? err : "(null)");
    failures++;
  }
  if (mg_get_option(server, "auth_domain") == NULL ||
      std::strcmp(mg_get_option(server, "auth_domain"), "mydomain.com") != 0) {
    std::printf("FAIL: auth_domain default\n");
    failures++;
  }
  if (mg_poll_server(server, 0) != 0) {
    std::printf("FAIL: mg_poll_server on an idle server\n");
    failures++;
  }
  mg_destroy_server(&server);
  if (server != NULL) {
    std::printf("FAIL: mg_destroy_server did not clear the pointer\n");
    failures++;
  }

  // Variadic C functions.
  char md5[33];
  mg_md5(md5, "", static_cast<const char *>(NULL));
  if (std::strcmp(md5, "d41d8cd98f00b204e9800998ecf8427e") != 0) {
    std::printf("FAIL: mg_md5 -> %s\n", md5);
    failures++;
  }
  printf_fn pf = mg_printf;
  md5_fn mf = mg_md5;
  (void) pf;
  (void) mf;

  char enc[16];
  if (mg_url_encode("a b", 3, enc, sizeof(enc)) != 5 || std::strcmp(enc, "a%20b") != 0) {
    std::printf("FAIL: mg_url_encode -> %s\n", enc);
    failures++;
  }
  if (mg_match_prefix("/foo", 4, "/foo/bar") != 4) {
    std::printf("FAIL: mg_match_prefix\n");
    failures++;
  }
  const char *mime = mg_get_mime_type("x.html", "text/plain");
  if (mime == NULL || std::strcmp(mime, "text/html") != 0) {
    std::printf("FAIL: mg_get_mime_type -> %s\n", mime ? mime : "(null)");
    failures++;
  }

  if (failures == 0) std::printf("ok\n");
  return failures == 0 ? 0 : 1;
}
