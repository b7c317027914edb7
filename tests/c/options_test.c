/*
 * Option handling without serving requests: mg_get_valid_option_names,
 * mg_set_option / mg_get_option, listening_port forms and errors, idle
 * mg_poll_server timing and mg_destroy_server NULL handling.
 *
 * Prints every failing check with its line number; exits 0 when all pass.
 */
#define _POSIX_C_SOURCE 200809L

#include "mongoose.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

/* Like CHECK but also shows the string involved. */
#define CHECK_STR(expr, expected)                                          \
  do {                                                                     \
    const char *got_ = (expr);                                             \
    const char *exp_ = (expected);                                         \
    if (got_ == NULL || strcmp(got_, exp_) != 0) {                         \
      printf("FAIL line %d: %s is \"%s\", expected \"%s\"\n", __LINE__,   \
             #expr, got_ == NULL ? "(null)" : got_, exp_);                 \
      failures++;                                                          \
    }                                                                      \
  } while (0)

static int streq(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int is_decimal(const char *s) {
  if (s == NULL || *s == '\0') return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Number of open file descriptors of this process. */
static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int n = 0;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1; /* the directory stream itself */
}

/* The port the socket is bound to, or -1. */
static int sock_port(int fd, int *family) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getsockname(fd, (struct sockaddr *) &ss, &len) != 0) return -1;
  if (family != NULL) *family = ss.ss_family;
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *) &ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
  return -1;
}

/* Can we connect to 127.0.0.1:port? */
static int can_connect(int port) {
  struct sockaddr_in sin;
  int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ok = connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == 0;
  close(fd);
  return ok;
}

/* Is IPv6 loopback usable here (socket + bind to [::1]:0)? */
static int have_ipv6_loopback(void) {
  struct sockaddr_in6 sin6;
  int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;
  if (fd < 0) return 0;
  memset(&sin6, 0, sizeof(sin6));
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = in6addr_loopback;
  ok = bind(fd, (struct sockaddr *) &sin6, sizeof(sin6)) == 0;
  close(fd);
  return ok;
}

static const char *find_default(const char **names, const char *name, int *found) {
  int i;
  *found = 0;
  for (i = 0; names[i] != NULL; i += 2) {
    if (strcmp(names[i], name) == 0) {
      *found = 1;
      return names[i + 1];
    }
  }
  return NULL;
}

static void test_valid_option_names(void) {
  /* The 5.4 options without the SSL ones, in their 5.4 order. */
  static const char *v54[] = {
      "access_control_list", "access_log_file", "auth_domain", "cgi_interpreter",
      "cgi_pattern", "dav_auth_file", "document_root", "enable_directory_listing",
      "enable_proxy", "extra_mime_types", "global_auth_file", "hide_files_patterns",
      "hexdump_file", "index_files", "listening_port", "run_as_user", "ssi_pattern",
      "url_rewrites", NULL};
  static const struct {
    const char *name, *def;
  } defaults[] = {
      {"access_control_list", NULL},
      {"access_log_file", NULL},
      {"auth_domain", "mydomain.com"},
      {"cgi_interpreter", NULL},
      {"cgi_pattern", "**.cgi$|**.pl$|**.php$"},
      {"dav_auth_file", NULL},
      {"document_root", NULL},
      {"enable_directory_listing", "yes"},
      {"enable_proxy", NULL},
      {"extra_mime_types", NULL},
      {"global_auth_file", NULL},
      {"hide_files_patterns", NULL},
      {"hexdump_file", NULL},
      {"index_files", "index.html,index.htm,index.shtml,index.cgi,index.php,index.lp"},
      {"listening_port", NULL},
      {"run_as_user", NULL},
      {"ssi_pattern", "**.shtml$|**.shtm$"},
      {"url_rewrites", NULL},
  };
  const char **names = mg_get_valid_option_names();
  struct mg_server *server;
  int n = 0, i, j, found, last_index = -1;

  CHECK(names != NULL);
  if (names == NULL) return;
  CHECK(mg_get_valid_option_names() == names); /* static array */
  for (i = 0; names[i] != NULL && i < 2000; i += 2) n++;
  CHECK(names[2 * n] == NULL);
  CHECK(n >= 18 && n < 1000);

  /* Names are unique, non-empty. */
  for (i = 0; i < n; i++) {
    CHECK(names[2 * i][0] != '\0');
    for (j = i + 1; j < n; j++) {
      if (strcmp(names[2 * i], names[2 * j]) == 0) {
        printf("FAIL line %d: option \"%s\" listed twice\n", __LINE__, names[2 * i]);
        failures++;
      }
    }
  }

  /* Every 5.4 option is present, in the 5.4 relative order. */
  for (i = 0; v54[i] != NULL; i++) {
    int index = -1;
    for (j = 0; j < n; j++)
      if (strcmp(names[2 * j], v54[i]) == 0) index = j;
    if (index < 0) {
      printf("FAIL line %d: option \"%s\" missing\n", __LINE__, v54[i]);
      failures++;
      continue;
    }
    if (index < last_index) {
      printf("FAIL line %d: option \"%s\" out of 5.4 order\n", __LINE__, v54[i]);
      failures++;
    }
    last_index = index;
  }
  /* TLS (rustls): the certificate options, with no default; the proxy's
     ssl_mitm_certs is not there yet. */
  CHECK(find_default(names, "ssl_certificate", &found) == NULL && found);
  CHECK(find_default(names, "ssl_ca_certificate", &found) == NULL && found);
  find_default(names, "ssl_mitm_certs", &found);
  CHECK(!found);
  /* Our additions. */
  find_default(names, "max_request_body_size", &found);
  CHECK(found);
  find_default(names, "max_request_head_size", &found);
  CHECK(found);

  /* 5.4 defaults (spec 3.1). */
  for (i = 0; i < (int) (sizeof(defaults) / sizeof(defaults[0])); i++) {
    const char *d = find_default(names, defaults[i].name, &found);
    if (!found) continue; /* reported above */
    if (defaults[i].def == NULL ? d != NULL : !streq(d, defaults[i].def)) {
      printf("FAIL line %d: default of %s is \"%s\", expected \"%s\"\n", __LINE__,
             defaults[i].name, d ? d : "(null)", defaults[i].def ? defaults[i].def : "(null)");
      failures++;
    }
  }

  /* A fresh server reports each default (or "" when there is none). */
  server = mg_create_server(NULL, NULL);
  CHECK(server != NULL);
  if (server == NULL) return;
  for (i = 0; i < n; i++) {
    const char *v = mg_get_option(server, names[2 * i]);
    const char *d = names[2 * i + 1];
    if (!streq(v, d == NULL ? "" : d)) {
      printf("FAIL line %d: fresh server: %s is \"%s\", expected \"%s\"\n", __LINE__,
             names[2 * i], v ? v : "(null)", d ? d : "");
      failures++;
    }
  }
  CHECK(mg_get_listening_socket(server) == -1); /* nothing bound by default */
  mg_destroy_server(&server);
}

static void test_set_get(void) {
  struct mg_server *server = mg_create_server(NULL, NULL);
  CHECK(server != NULL);
  if (server == NULL) return;

  /* Unknown names. */
  CHECK_STR(mg_set_option(server, "no_such_option", "1"), "No such option");
  CHECK_STR(mg_set_option(server, "Document_Root", "/tmp"), "No such option");
  CHECK_STR(mg_set_option(server, "", "x"), "No such option");
  CHECK_STR(mg_set_option(server, "ssl_mitm_certs", "a=x.pem"), "No such option");
  CHECK(mg_get_option(server, "no_such_option") == NULL);
  CHECK(mg_get_option(server, "DOCUMENT_ROOT") == NULL);
  CHECK(mg_get_option(server, "") == NULL);

  /* Unset → "", set → value, "" / NULL → default. */
  CHECK_STR(mg_get_option(server, "document_root"), "");
  CHECK(mg_set_option(server, "document_root", "/tmp") == NULL);
  CHECK_STR(mg_get_option(server, "document_root"), "/tmp");
  CHECK(mg_set_option(server, "document_root", "/tmp") == NULL); /* same value again */
  CHECK_STR(mg_get_option(server, "document_root"), "/tmp");
  CHECK(mg_set_option(server, "document_root", "") == NULL);
  CHECK_STR(mg_get_option(server, "document_root"), "");
  CHECK(mg_set_option(server, "document_root", "/var") == NULL);
  CHECK(mg_set_option(server, "document_root", NULL) == NULL);
  CHECK_STR(mg_get_option(server, "document_root"), "");

  CHECK_STR(mg_get_option(server, "auth_domain"), "mydomain.com");
  CHECK(mg_set_option(server, "auth_domain", "example.org") == NULL);
  CHECK_STR(mg_get_option(server, "auth_domain"), "example.org");
  CHECK(mg_set_option(server, "auth_domain", "") == NULL);
  CHECK_STR(mg_get_option(server, "auth_domain"), "mydomain.com");
  CHECK(mg_set_option(server, "enable_directory_listing", "no") == NULL);
  CHECK_STR(mg_get_option(server, "enable_directory_listing"), "no");
  CHECK(mg_set_option(server, "enable_directory_listing", NULL) == NULL);
  CHECK_STR(mg_get_option(server, "enable_directory_listing"), "yes");
  CHECK(mg_set_option(server, "cgi_pattern", "") == NULL);
  CHECK_STR(mg_get_option(server, "cgi_pattern"), "**.cgi$|**.pl$|**.php$");
  CHECK(mg_set_option(server, "ssi_pattern", NULL) == NULL);
  CHECK_STR(mg_get_option(server, "ssi_pattern"), "**.shtml$|**.shtm$");

  /* Values are copied, not referenced. */
  {
    char buf[32];
    strcpy(buf, "/copied");
    CHECK(mg_set_option(server, "url_rewrites", buf) == NULL);
    strcpy(buf, "XXXXXXX");
    CHECK_STR(mg_get_option(server, "url_rewrites"), "/copied");
  }

  /* Numeric options reject non-numbers and keep the old value. */
  {
    const char *before = mg_get_option(server, "max_request_body_size");
    char saved[64];
    CHECK(is_decimal(before));
    snprintf(saved, sizeof(saved), "%s", before ? before : "");
    CHECK(mg_set_option(server, "max_request_body_size", "abc") != NULL);
    CHECK_STR(mg_get_option(server, "max_request_body_size"), saved);
    CHECK(mg_set_option(server, "max_request_body_size", "-1") != NULL);
    CHECK(mg_set_option(server, "max_request_body_size", "12x") != NULL);
    CHECK(mg_set_option(server, "max_request_head_size", "abc") != NULL);
    CHECK(mg_set_option(server, "idle_timeout_ms", "1.5") != NULL);
    CHECK_STR(mg_get_option(server, "max_request_body_size"), saved);
    CHECK(mg_set_option(server, "max_request_body_size", "1000") == NULL);
    CHECK_STR(mg_get_option(server, "max_request_body_size"), "1000");
    CHECK(mg_set_option(server, "max_request_body_size", "") == NULL);
    CHECK_STR(mg_get_option(server, "max_request_body_size"), saved);
  }

  mg_destroy_server(&server);
  CHECK(server == NULL);
}

static void test_listening_port(void) {
  static const char *bad[] = {"abc", "8080s", "ssl://8043", "65536", "1.2.3:80",
                              "-1",  ":80",   "[::1]",      "1.2.3.4.5:80", "80,81",
                              NULL};
  struct mg_server *server = mg_create_server(NULL, NULL), *other;
  const char *v;
  int fd, port, family, i;

  CHECK(server != NULL);
  if (server == NULL) return;

  /* "0": an ephemeral port on all interfaces; the option reports it. */
  CHECK(mg_set_option(server, "listening_port", "0") == NULL);
  v = mg_get_option(server, "listening_port");
  CHECK(is_decimal(v));
  port = v ? atoi(v) : 0;
  CHECK(port > 0 && port < 65536);
  fd = mg_get_listening_socket(server);
  CHECK(fd >= 0);
  if (fd >= 0) {
    CHECK(sock_port(fd, &family) == port);
    CHECK(family == AF_INET || family == AF_INET6);
    CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    CHECK(can_connect(port));
  }

  /* Unsetting closes the listener. */
  CHECK(mg_set_option(server, "listening_port", "") == NULL);
  CHECK(mg_get_listening_socket(server) == -1);
  CHECK_STR(mg_get_option(server, "listening_port"), "");
  if (port > 0) CHECK(!can_connect(port));

  /* "127.0.0.1:0". */
  CHECK(mg_set_option(server, "listening_port", "127.0.0.1:0") == NULL);
  v = mg_get_option(server, "listening_port");
  CHECK(is_decimal(v)); /* the port only, never the IP */
  port = v ? atoi(v) : 0;
  CHECK(port > 0);
  fd = mg_get_listening_socket(server);
  CHECK(fd >= 0);
  if (fd >= 0) {
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    CHECK(getsockname(fd, (struct sockaddr *) &sin, &len) == 0);
    CHECK(sin.sin_family == AF_INET);
    CHECK(sin.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    CHECK(ntohs(sin.sin_port) == port);
    CHECK(can_connect(port));
  }

  /* A port already in use: "Cannot bind to port", and no listener. */
  other = mg_create_server(NULL, NULL);
  CHECK(other != NULL);
  if (other != NULL && port > 0) {
    char spec[64];
    snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
    CHECK_STR(mg_set_option(other, "listening_port", spec), "Cannot bind to port");
    CHECK(mg_get_listening_socket(other) == -1);
    snprintf(spec, sizeof(spec), "%d", port);
    CHECK_STR(mg_set_option(other, "listening_port", spec), "Cannot bind to port");
    CHECK(mg_get_listening_socket(other) == -1);
    CHECK(can_connect(port)); /* the first server still listens */
  }
  mg_destroy_server(&other);
  CHECK(other == NULL);

  /* "[::1]:0" when the machine has IPv6 loopback. */
  CHECK(mg_set_option(server, "listening_port", "") == NULL);
  if (have_ipv6_loopback()) {
    CHECK(mg_set_option(server, "listening_port", "[::1]:0") == NULL);
    v = mg_get_option(server, "listening_port");
    CHECK(is_decimal(v));
    fd = mg_get_listening_socket(server);
    CHECK(fd >= 0);
    if (fd >= 0) {
      struct sockaddr_in6 sin6;
      socklen_t len = sizeof(sin6);
      CHECK(getsockname(fd, (struct sockaddr *) &sin6, &len) == 0);
      CHECK(sin6.sin6_family == AF_INET6);
      CHECK(memcmp(&sin6.sin6_addr, &in6addr_loopback, sizeof(in6addr_loopback)) == 0);
      CHECK(v != NULL && ntohs(sin6.sin6_port) == atoi(v));
    }
    CHECK(mg_set_option(server, "listening_port", "") == NULL);
  } else {
    printf("note: IPv6 loopback unavailable, skipping [::1]:0\n");
  }

  /* Invalid values: an error, nothing bound (in particular no random port). */
  for (i = 0; bad[i] != NULL; i++) {
    int fds_before, fds_after;
    const char *err;
    CHECK(mg_set_option(server, "listening_port", "") == NULL);
    CHECK(mg_get_listening_socket(server) == -1);
    fds_before = count_fds();
    err = mg_set_option(server, "listening_port", bad[i]);
    fds_after = count_fds();
    if (err == NULL || strncmp(err, "Invalid listening_port", 22) != 0) {
      printf("FAIL line %d: listening_port \"%s\" gave %s%s%s\n", __LINE__, bad[i],
             err ? "\"" : "", err ? err : "(null)", err ? "\"" : "");
      failures++;
    }
    if (mg_get_listening_socket(server) != -1) {
      printf("FAIL line %d: listening_port \"%s\" left listening socket %d (port %d)\n",
             __LINE__, bad[i], mg_get_listening_socket(server),
             sock_port(mg_get_listening_socket(server), NULL));
      failures++;
    }
    if (fds_before != fds_after) {
      printf("FAIL line %d: listening_port \"%s\" changed the fd count %d -> %d\n", __LINE__,
             bad[i], fds_before, fds_after);
      failures++;
    }
    v = mg_get_option(server, "listening_port");
    if (!streq(v, "")) {
      printf("FAIL line %d: after invalid \"%s\" listening_port reads \"%s\"\n", __LINE__,
             bad[i], v ? v : "(null)");
      failures++;
    }
  }

  mg_destroy_server(&server);
  CHECK(server == NULL);
}

static void test_poll_and_destroy(void) {
  struct mg_server *server = mg_create_server(NULL, NULL), *null_server = NULL;
  double start, elapsed;
  int rc;

  CHECK(server != NULL);
  if (server == NULL) return;

  /* No listener, no connections: still sleeps for the timeout. */
  start = now_ms();
  rc = mg_poll_server(server, 200);
  elapsed = now_ms() - start;
  CHECK(rc == 0);
  if (elapsed < 150 || elapsed > 5000) {
    printf("FAIL line %d: mg_poll_server(idle, 200) took %.1f ms\n", __LINE__, elapsed);
    failures++;
  }
  /* Zero timeout returns at once. */
  start = now_ms();
  CHECK(mg_poll_server(server, 0) == 0);
  elapsed = now_ms() - start;
  if (elapsed > 100) {
    printf("FAIL line %d: mg_poll_server(idle, 0) took %.1f ms\n", __LINE__, elapsed);
    failures++;
  }

  /* With a listener but nothing connecting it sleeps too. */
  CHECK(mg_set_option(server, "listening_port", "127.0.0.1:0") == NULL);
  start = now_ms();
  CHECK(mg_poll_server(server, 200) == 0);
  elapsed = now_ms() - start;
  if (elapsed < 150 || elapsed > 5000) {
    printf("FAIL line %d: mg_poll_server(listening, 200) took %.1f ms\n", __LINE__, elapsed);
    failures++;
  }

  /* NULL-safety of mg_destroy_server, and it clears the pointer. */
  mg_destroy_server(NULL);
  mg_destroy_server(&null_server);
  CHECK(null_server == NULL);
  mg_destroy_server(&server);
  CHECK(server == NULL);
  mg_destroy_server(&server); /* again, now pointing to NULL */
  CHECK(server == NULL);
}

int main(void) {
  test_valid_option_names();
  test_set_get();
  test_listening_port();
  test_poll_and_destroy();
  if (failures == 0) {
    printf("ok\n");
    return 0;
  }
  printf("%d check(s) failed\n", failures);
  return 1;
}
