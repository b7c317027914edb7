/*
 * ssl_certificate errors leave the server as it was (tests/tls.rs).
 *
 * Usage: tls_options GOOD.pem BAD.pem
 * Sets ssl_certificate to GOOD, then to BAD (must fail with an error
 * string and keep GOOD), then serves "/hello" over TLS on an ephemeral
 * port until SIGTERM. Exits 2 when a check fails.
 */
#include <stdio.h>
#include <string.h>
#include "mongoose.h"
#include "test_main.h"

static int handler(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev == MG_REQUEST) {
    mg_printf_data(conn, "hello over tls");
    return MG_TRUE;
  }
  return MG_FALSE;
}

int main(int argc, char *argv[]) {
  struct mg_server *server;
  const char *err;
  if (argc < 3) return 2;
  server = mg_create_server(NULL, handler);
  if ((err = mg_set_option(server, "ssl_certificate", argv[1])) != NULL) {
    fprintf(stderr, "good certificate refused: %s\n", err);
    return 2;
  }
  err = mg_set_option(server, "ssl_certificate", argv[2]);
  if (err == NULL || strncmp(err, "Cannot load PEM", 15) != 0) {
    fprintf(stderr, "bad certificate: got %s\n", err == NULL ? "(null)" : err);
    return 2;
  }
  fprintf(stderr, "bad certificate refused: %s\n", err);
  if (strcmp(mg_get_option(server, "ssl_certificate"), argv[1]) != 0) {
    fprintf(stderr, "option changed to %s\n", mg_get_option(server, "ssl_certificate"));
    return 2;
  }
  argv[1] = (char *) "0";
  return run_test_server(&server, 2, argv, 2);
}
