/*
 * file_upload: multipart/form-data upload of one or several files. Each
 * file is saved in the upload directory and reported with its name and
 * size. Bodies up to 256 MiB are accepted (max_request_body_size). A file
 * that cannot be written completely (a full disk, a file-size limit) is
 * removed, and the reply is 507 Insufficient Storage (500 for other
 * errors) listing what was saved and what was not.
 *
 * Usage: file_upload [port or address] [upload directory]
 *        (defaults: 8080 and the current directory)
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mongoose.h"

static const char *s_form =
    "<!DOCTYPE html><html><body><h1>Upload</h1>\n"
    "<form method=\"POST\" action=\"/upload\" enctype=\"multipart/form-data\">\n"
    "  <input type=\"file\" name=\"file\" multiple> <input type=\"submit\" value=\"Upload\">\n"
    "</form></body></html>\n";

static const char *s_upload_dir = ".";
static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

/* A file name from the client is untrusted: keep only its last path
 * component, and refuse empty names and dot files. */
static const char *safe_name(const char *name) {
  const char *p, *base = name;
  for (p = name; *p != '\0'; p++) {
    if (*p == '/' || *p == '\\') base = p + 1;
  }
  return (base[0] == '\0' || base[0] == '.') ? NULL : base;
}

/* The reply text, built before its status is known. */
struct report {
  char *text;
  size_t len, cap;
};

static void report_add(struct report *r, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (r->len + (size_t) n + 1 > r->cap) {
    size_t cap = 2 * (r->len + (size_t) n + 1);
    char *p = realloc(r->text, cap);
    if (p == NULL) return; /* out of memory: the report is cut short */
    r->text = p;
    r->cap = cap;
  }
  va_start(ap, fmt);
  vsnprintf(r->text + r->len, r->cap - r->len, fmt, ap);
  va_end(ap);
  r->len += (size_t) n;
}

/* Writes one file; returns 0 or an errno value. stdio may keep the last
 * bytes buffered until fclose, so its result counts too. A file that
 * could not be written completely is removed, not left half-written. */
static int save_file(const char *path, const char *data, int len) {
  FILE *fp = fopen(path, "wb");
  int err = 0;
  if (fp == NULL) return errno != 0 ? errno : EIO;
  if (fwrite(data, 1, (size_t) len, fp) != (size_t) len) err = errno != 0 ? errno : EIO;
  if (fclose(fp) != 0 && err == 0) err = errno != 0 ? errno : EIO;
  if (err != 0) remove(path);
  return err;
}

static void handle_upload(struct mg_connection *conn) {
  const char *data;
  int data_len, ofs = 0, n, files = 0, status = 200;
  char var_name[100], file_name[200], path[1024];
  struct report r = {NULL, 0, 0};

  while ((n = mg_parse_multipart(conn->content + ofs, (int) conn->content_len - ofs, var_name,
                                 sizeof(var_name), file_name, sizeof(file_name), &data,
                                 &data_len)) > 0) {
    const char *name = safe_name(file_name);
    int err;
    ofs += n;
    if (file_name[0] == '\0') continue; /* an ordinary form field */
    if (name == NULL) {
      report_add(&r, "refused file name [%s]\n", file_name);
      continue;
    }
    snprintf(path, sizeof(path), "%s/%s", s_upload_dir, name);
    errno = 0;
    if ((err = save_file(path, data, data_len)) != 0) {
      report_add(&r, "cannot save [%s]: %s\n", name, strerror(err));
      if (status == 200) status = (err == ENOSPC || err == EFBIG || err == EDQUOT) ? 507 : 500;
    } else {
      report_add(&r, "saved %s (field %s): %d bytes\n", name, var_name, data_len);
      files++;
    }
  }
  report_add(&r, "%d file(s) uploaded\n", files);
  mg_send_status(conn, status);
  mg_send_header(conn, "Content-Type", "text/plain");
  mg_send_data(conn, r.text != NULL ? r.text : "", (int) r.len);
  free(r.text);
}

static int event_handler(struct mg_connection *conn, enum mg_event ev) {
  if (ev == MG_AUTH) return MG_TRUE;
  if (ev != MG_REQUEST) return MG_FALSE;
  if (strcmp(conn->uri, "/upload") == 0 && strcmp(conn->request_method, "POST") == 0) {
    handle_upload(conn);
  } else {
    mg_send_header(conn, "Content-Type", "text/html; charset=utf-8");
    mg_printf_data(conn, "%s", s_form);
  }
  return MG_TRUE;
}

int main(int argc, char *argv[]) {
  struct mg_server *server = mg_create_server(NULL, event_handler);
  const char *port = argc > 1 ? argv[1] : "8080";
  const char *err;

  if (argc > 2) s_upload_dir = argv[2];
  mg_set_option(server, "max_request_body_size", "268435456");
  if ((err = mg_set_option(server, "listening_port", port)) != NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", port, err);
    mg_destroy_server(&server);
    return 1;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  printf("Listening on port %s\n", mg_get_option(server, "listening_port"));
  fflush(stdout);
  while (!s_stop) {
    mg_poll_server(server, 1000);
  }
  mg_destroy_server(&server);
  return 0;
}
