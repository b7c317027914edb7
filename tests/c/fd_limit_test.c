/*
 * The library's own descriptors must fit in select()'s fd_set too: when
 * every descriptor below FD_SETSIZE (1024) is taken, mg_create_server
 * returns NULL (its wakeup socket could not be watched) and setting
 * listening_port returns an error (the port would look open and never
 * answer), instead of failing silently. Freeing one low descriptor is
 * enough for each. A listening socket handed over at 1024 or above is
 * ignored. With no descriptor left at all, mg_create_server returns NULL
 * at once.
 *
 * Exit status: 0 on success, 1 on a failed check (message on stderr),
 * 77 when the descriptor limit cannot be raised to 1200 (test skipped).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "mongoose.h"

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "fd_limit_test:%d: %s\n", __LINE__, #cond);    \
      return 1;                                                      \
    }                                                                \
  } while (0)

int main(void) {
  struct rlimit lim;
  struct mg_server *early, *late;
  const char *err;
  int fillers[1200], n = 0, fd;

  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_max < 1200) return 77;
  lim.rlim_cur = lim.rlim_max < 2048 ? lim.rlim_max : 2048;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return 77;

  early = mg_create_server(NULL, NULL);
  CHECK(early != NULL);

  /* Take every descriptor below 1024. */
  while ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd < 1024 && n < 1200) fillers[n++] = fd;
  CHECK(fd >= 1024);
  close(fd);

  CHECK(mg_create_server(NULL, NULL) == NULL);
  err = mg_set_option(early, "listening_port", "127.0.0.1:0");
  CHECK(err != NULL && strstr(err, "1024") != NULL);
  CHECK(mg_get_listening_socket(early) == -1);

  /* One free low descriptor is enough for the wakeup socket's read end
   * (the write end may be anywhere)... */
  close(fillers[--n]);
  late = mg_create_server(NULL, NULL);
  CHECK(late != NULL);
  /* ...and one more for a listener. */
  close(fillers[--n]);
  err = mg_set_option(early, "listening_port", "127.0.0.1:0");
  CHECK(err == NULL);
  CHECK(mg_get_listening_socket(early) >= 0 && mg_get_listening_socket(early) < 1024);

  /* A listening socket handed over at 1024 or above is ignored: the
   * current listener stays. */
  {
    int high = fcntl(mg_get_listening_socket(early), F_DUPFD, 1100);
    int before = mg_get_listening_socket(early);
    CHECK(high >= 1100);
    mg_set_listening_socket(early, high);
    CHECK(mg_get_listening_socket(early) == before);
    close(high);
  }

  mg_destroy_server(&late);
  mg_destroy_server(&early);

  /* With no descriptor left at all, mg_create_server returns NULL at once
   * (5.4 spun forever retrying its socket pair). */
  lim.rlim_cur = 1100;
  CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0);
  while (n < 1200 && (fd = open("/dev/null", O_RDONLY)) >= 0) fillers[n++] = fd;
  CHECK(n < 1200); /* stopped by the limit, not by the array */
  CHECK(mg_create_server(NULL, NULL) == NULL);

  while (n > 0) close(fillers[--n]);
  printf("OK\n");
  return 0;
}
