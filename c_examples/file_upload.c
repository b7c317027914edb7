/*
 * file_upload: multipart/form-data upload of one or several files. Each
 * file is saved in the upload directory and reported with its name and
 * size. Bodies up to 256 MiB are accepted (max_request_body_size).
 *
 * Usage: file_upload [port or address] [upload directory]
 *        (defaults: 8080 and the current directory)
 */
#include <stdio.h>
#include <string.h>
#include <signal.h>
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

static void handle_upload(struct mg_connection *conn) {
  const char *data;
  int data_len, ofs = 0, n, files = 0;
  char var_name[100], file_name[200], path[1024];

  mg_send_header(conn, "Content-Type", "text/plain");
  while ((n = mg_parse_multipart(conn->content + ofs, (int) conn->content_len - ofs, var_name,
                                 sizeof(var_name), file_name, sizeof(file_name), &data,
                                 &data_len)) > 0) {
    const char *name = safe_name(file_name);
    FILE *fp;
    ofs += n;
    if (file_name[0] == '\0') continue; /* an ordinary form field */
    if (name == NULL) {
      mg_printf_data(conn, "refused file name [%s]\n", file_name);
      continue;
    }
    snprintf(path, sizeof(path), "%s/%s", s_upload_dir, name);
    if ((fp = fopen(path, "wb")) == NULL ||
        fwrite(data, 1, (size_t) data_len, fp) != (size_t) data_len) {
      mg_printf_data(conn, "cannot save [%s]\n", name);
    } else {
      mg_printf_data(conn, "saved %s (field %s): %d bytes\n", name, var_name, data_len);
      files++;
    }
    if (fp != NULL) fclose(fp);
  }
  mg_printf_data(conn, "%d file(s) uploaded\n", files);
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
