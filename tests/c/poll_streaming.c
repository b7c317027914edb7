/*
 * The 5.4 idiom of long work done in MG_POLL slices, driven by
 * tests/event_loop.rs. The main loop polls with a 1000 ms timeout, as
 * 5.4 programs do: each slice must make the next poll return at once,
 * not a second later.
 *
 * Usage: poll_streaming PORT DIR
 *
 *   POST /upload  the body is saved to DIR/upload.bin 100 bytes per
 *                 MG_POLL; each slice queues one space with
 *                 mg_send_data(conn, " ", 1) (5.4's "send something back
 *                 to wake up select()") and returns MG_FALSE; at the end
 *                 "Written N bytes." and MG_TRUE (5.4's big_upload.c).
 *   GET /stream   streams DIR/source.bin 100 bytes per MG_POLL with
 *                 mg_send_data, then MG_TRUE.
 *   GET /endless  sends 10 bytes per MG_POLL, forever.
 */
#define TEST_MAIN_POLL_MS 1000
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mongoose.h"
#include "test_main.h"

#define SLICE 100

static const char *s_dir;

struct job {
  FILE *fp;
  size_t done; /* bytes of the upload written so far */
  int upload;
};

static int s_endless; /* connection_param of /endless requests */

static void path_in_dir(char *buf, size_t size, const char *name) {
  snprintf(buf, size, "%s/%s", s_dir, name);
}

static int start_job(struct mg_connection *conn) {
  char path[2048];
  struct job *job;
  int upload = strcmp(conn->uri, "/upload") == 0;
  if (strcmp(conn->uri, "/endless") == 0) {
    conn->connection_param = &s_endless;
    return MG_MORE;
  }
  if (!upload && strcmp(conn->uri, "/stream") != 0) return MG_FALSE;
  path_in_dir(path, sizeof(path), upload ? "upload.bin" : "source.bin");
  job = (struct job *) calloc(1, sizeof(*job));
  if (job == NULL || (job->fp = fopen(path, upload ? "wb" : "rb")) == NULL) {
    free(job);
    mg_send_status(conn, 500);
    mg_printf_data(conn, "cannot open %s", path);
    return MG_TRUE;
  }
  job->upload = upload;
  conn->connection_param = job;
  return MG_MORE;
}

/* One slice of work; MG_TRUE when the job is complete. */
static int run_slice(struct mg_connection *conn) {
  struct job *job = (struct job *) conn->connection_param;
  char buf[SLICE];
  size_t n;
  if (job == NULL) return MG_FALSE;
  if (conn->connection_param == &s_endless) {
    mg_send_data(conn, "zzzzzzzzzz", 10);
    return MG_FALSE;
  }
  if (job->upload) {
    n = conn->content_len - job->done;
    if (n > SLICE) n = SLICE;
    if (n > 0) {
      fwrite(conn->content + job->done, 1, n, job->fp);
      job->done += n;
      mg_send_data(conn, " ", 1);
      return MG_FALSE;
    }
    fclose(job->fp);
    mg_printf_data(conn, "Written %d bytes.", (int) job->done);
  } else {
    n = fread(buf, 1, sizeof(buf), job->fp);
    if (n > 0) {
      mg_send_data(conn, buf, (int) n);
      return MG_FALSE;
    }
    fclose(job->fp);
  }
  free(job);
  conn->connection_param = NULL;
  return MG_TRUE;
}

static int handler(struct mg_connection *conn, enum mg_event ev) {
  struct job *job;
  switch (ev) {
    case MG_AUTH:
      return MG_TRUE;
    case MG_REQUEST:
      return start_job(conn);
    case MG_POLL:
      return run_slice(conn);
    case MG_CLOSE:
      job = (struct job *) conn->connection_param;
      if (job != NULL && conn->connection_param != &s_endless) {
        fclose(job->fp);
        free(job);
        conn->connection_param = NULL;
      }
      return MG_TRUE;
    default:
      return MG_FALSE;
  }
}

int main(int argc, char *argv[]) {
  struct mg_server *server;
  if (argc < 3) {
    fprintf(stderr, "usage: %s PORT DIR\n", argv[0]);
    return 2;
  }
  s_dir = argv[2];
  server = mg_create_server(NULL, handler);
  return run_test_server(&server, argc, argv, 3);
}
