/*
 * Digest authentication test server (tests/auth.rs):
 * auth_test PORT PASSWORDS_FILE. URIs under /secret need a valid digest
 * (mg_authorize_digest); everything else is public.
 */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include "mongoose.h"

static const char *s_passwords;
static volatile sig_atomic_t s_stop;

static void on_signal(int sig) { s_stop = sig; }

static int handler(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_AUTH) {
    FILE *fp;
    int ok;
    if (strncmp(conn->uri, "/secret", 7) != 0) return MG_TRUE;
    if ((fp = fopen(s_passwords, "r")) == NULL) return MG_FALSE;
    ok = mg_authorize_digest(conn, fp);
    fclose(fp);
    return ok ? MG_TRUE : MG_FALSE;
  }
  if (ev == MG_REQUEST) {
    char md5[33];
    mg_printf_data(conn, "ok %s md5=%s", conn->uri, mg_md5(md5, "a", "b", "c", NULL));
    return MG_TRUE;
  }
  return MG_FALSE;
}

int main(int argc, char *argv[]) {
  struct mg_server *server = mg_create_server(NULL, handler);
  if (argc < 3) return 2;
  s_passwords = argv[2];
  if (mg_set_option(server, "listening_port", argv[1]) != NULL) return 1;
  signal(SIGTERM, on_signal);
  printf("Listening on port %s\n", mg_get_option(server, "listening_port"));
  fflush(stdout);
  while (!s_stop) mg_poll_server(server, 100);
  mg_destroy_server(&server);
  return 0;
}
