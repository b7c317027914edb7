/*
 * The main loop the test servers in tests/c/ share: set the "name=value"
 * options given from argv[first_option] on, listen on argv[1] (missing:
 * "0", any free port), print "Listening on port N" (what the Rust side
 * waits for), poll until SIGTERM or SIGINT, then destroy the server
 * (which sets *server to NULL). Each poll waits at most TEST_MAIN_POLL_MS
 * (define it before the include to change it).
 */
#ifndef TEST_MAIN_H
#define TEST_MAIN_H

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "mongoose.h"

#ifndef TEST_MAIN_POLL_MS
#define TEST_MAIN_POLL_MS 50
#endif

static volatile sig_atomic_t s_test_main_stop;

static void test_main_on_signal(int sig) { s_test_main_stop = sig; }

/* Runs `server` as described above; returns main()'s exit status. */
static int run_test_server(struct mg_server **server, int argc, char *argv[], int first_option) {
  const char *err;
  int i;
  for (i = first_option; i < argc; i++) {
    char name[100];
    const char *eq = strchr(argv[i], '=');
    if (eq == NULL || (size_t) (eq - argv[i]) >= sizeof(name)) continue;
    memcpy(name, argv[i], (size_t) (eq - argv[i]));
    name[eq - argv[i]] = '\0';
    if ((err = mg_set_option(*server, name, eq + 1)) != NULL) {
      fprintf(stderr, "option %s: %s\n", name, err);
      return 1;
    }
  }
  if ((err = mg_set_option(*server, "listening_port", argc > 1 ? argv[1] : "0")) != NULL) {
    fprintf(stderr, "listening_port: %s\n", err);
    return 1;
  }
  signal(SIGTERM, test_main_on_signal);
  signal(SIGINT, test_main_on_signal);
  printf("Listening on port %s\n", mg_get_option(*server, "listening_port"));
  fflush(stdout);
  while (!s_test_main_stop) mg_poll_server(*server, TEST_MAIN_POLL_MS);
  mg_destroy_server(server);
  return 0;
}

#endif
