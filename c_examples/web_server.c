/*
 * web_server: the standalone "mongoose" web server. It serves files with
 * the library's built-in handling (no event handler): static files,
 * directory listings, CGI, SSI, WebDAV, as the options say.
 *
 * Usage: web_server [-c CONFIG_FILE] [-OPTION VALUE ...]
 *        web_server -A PASSWORDS_FILE DOMAIN USER PASSWORD
 *        web_server -h
 *
 * -A adds USER to the Digest passwords file (for global_auth_file,
 * .htpasswd or dav_auth_file; htdigest's "user:domain:md5" lines), or
 * replaces the user's password there, and exits: 0 on success, 1 when
 * the file cannot be written or a name holds ':' or a line break.
 *
 * Options come from CONFIG_FILE (or ./mongoose.conf when it exists and no
 * -c is given), then from the command line, which wins. The config file
 * has one "name value" pair per line; blank lines and lines starting
 * with '#' are ignored. The defaults differ from the library's in two
 * places: document_root is "." and listening_port is "8080".
 *
 * Prints "Listening on port N" (the bound port) and "Serving DIR", then
 * serves until SIGINT or SIGTERM. Exit status: 0 after a signal, 1 when
 * an option value is refused or the config file cannot be read, 2 for
 * an unknown or incomplete option.
 */
#define _XOPEN_SOURCE 700 /* sigaction, strdup, realpath */

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

#define MAX_OPTIONS 64
#define MAX_LINE 8192
#define DEFAULT_CONFIG_FILE "mongoose.conf"

static volatile sig_atomic_t s_signal = 0;

/* Option values chosen so far, indexed like mg_get_valid_option_names(). */
static char *s_values[MAX_OPTIONS];
static const char **s_names;
static int s_num_options;

static void on_signal(int sig) {
  s_signal = sig;
}

/* The standalone server's default for option `i`, or NULL. */
static const char *default_value(int i) {
  if (strcmp(s_names[2 * i], "document_root") == 0) return ".";
  if (strcmp(s_names[2 * i], "listening_port") == 0) return "8080";
  return s_names[2 * i + 1];
}

static int find_option(const char *name) {
  int i;
  for (i = 0; i < s_num_options; i++) {
    if (strcmp(s_names[2 * i], name) == 0) return i;
  }
  return -1;
}

static void free_values(void) {
  int i;
  for (i = 0; i < s_num_options; i++) {
    free(s_values[i]);
    s_values[i] = NULL;
  }
}

static void set_value(int i, const char *value) {
  char *copy = strdup(value);
  if (copy == NULL) {
    fprintf(stderr, "Out of memory\n");
    exit(1);
  }
  free(s_values[i]);
  s_values[i] = copy;
}

static void usage(FILE *out, const char *prog) {
  int i;
  fprintf(out,
          "Usage: %s [-c CONFIG_FILE] [-OPTION VALUE ...]\n"
          "       %s -A PASSWORDS_FILE DOMAIN USER PASSWORD\n"
          "       %s -h\n"
          "Options are read from CONFIG_FILE (default: ./" DEFAULT_CONFIG_FILE
          " if it exists;\none \"name value\" per line, '#' starts a comment), "
          "then from the command line.\n\nOptions and defaults:\n",
          prog, prog, prog);
  for (i = 0; i < s_num_options; i++) {
    const char *def = default_value(i);
    fprintf(out, "  -%-26s %s\n", s_names[2 * i], def != NULL ? def : "(none)");
  }
}

/* Strips trailing whitespace (including the newline) in place. */
static void rstrip(char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
                   s[n - 1] == '\t')) {
    s[--n] = '\0';
  }
}

static char *skip_blanks(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  return s;
}

/*
 * Reads "name value" lines from `path`. A missing optional file is not an
 * error. Returns 0, or the exit status to use.
 */
static int read_config(const char *path, int required) {
  char line[MAX_LINE];
  int line_no = 0, status = 0;
  FILE *fp = fopen(path, "r");

  if (fp == NULL) {
    if (!required && errno == ENOENT) return 0;
    fprintf(stderr, "Cannot open config file %s: %s\n", path, strerror(errno));
    return 1;
  }
  while (status == 0 && fgets(line, sizeof(line), fp) != NULL) {
    char *name, *value, *end;
    int i;

    line_no++;
    if (strchr(line, '\n') == NULL && !feof(fp)) {
      fprintf(stderr, "%s:%d: line too long\n", path, line_no);
      status = 1;
      break;
    }
    rstrip(line);
    name = skip_blanks(line);
    if (*name == '\0' || *name == '#') continue;
    end = name + strcspn(name, " \t");
    value = skip_blanks(end);
    *end = '\0';
    i = find_option(name);
    if (i < 0) {
      fprintf(stderr, "%s:%d: unknown option \"%s\"\n", path, line_no, name);
      status = 2;
    } else {
      set_value(i, value);
    }
  }
  if (status == 0 && ferror(fp)) {
    fprintf(stderr, "Cannot read config file %s\n", path);
    status = 1;
  }
  fclose(fp);
  return status;
}

/*
 * Walks the command line. With `apply` 0 it only checks it and returns the
 * -c file through `config`; with `apply` 1 it stores the option values.
 * Returns -1 to go on, or the exit status to use.
 */
static int parse_args(int argc, char *argv[], int apply, const char **config) {
  int i = 1;
  while (i < argc) {
    const char *arg = argv[i];
    int opt;

    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      usage(stdout, argv[0]);
      return 0;
    }
    if (arg[0] != '-' || i + 1 >= argc) {
      fprintf(stderr, "%s: %s \"%s\"\n\n", argv[0],
              arg[0] != '-' ? "unexpected argument" : "missing value for", arg);
      usage(stderr, argv[0]);
      return 2;
    }
    if (strcmp(arg, "-c") == 0) {
      *config = argv[i + 1];
    } else if ((opt = find_option(arg + 1)) >= 0) {
      if (apply) set_value(opt, argv[i + 1]);
    } else {
      fprintf(stderr, "%s: unknown option \"%s\"\n\n", argv[0], arg);
      usage(stderr, argv[0]);
      return 2;
    }
    i += 2;
  }
  return -1;
}

/*
 * -A: writes `path` again through a temporary file, with the line of
 * `user` in `domain` replaced (or added) and every other line kept.
 * Returns the exit status.
 */
static int edit_passwords_file(const char *path, const char *domain,
                               const char *user, const char *pass) {
  char tmp[PATH_MAX], ha1[33], *line = NULL;
  size_t cap = 0, prefix_len;
  ssize_t n;
  int found = 0, ok = 1;
  FILE *in, *out;

  if (*user == '\0' || strpbrk(user, ":\r\n") != NULL ||
      strpbrk(domain, ":\r\n") != NULL) {
    fprintf(stderr, "User and domain may not be empty or contain ':' or line breaks\n");
    return 1;
  }
  if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp)) {
    fprintf(stderr, "Path too long: %s\n", path);
    return 1;
  }
  prefix_len = strlen(user) + 1 + strlen(domain) + 1;
  mg_md5(ha1, user, ":", domain, ":", pass, NULL);
  if ((out = fopen(tmp, "w")) == NULL) {
    fprintf(stderr, "Cannot write %s: %s\n", tmp, strerror(errno));
    return 1;
  }
  if ((in = fopen(path, "r")) != NULL) {
    while ((n = getline(&line, &cap, in)) > 0) {
      if ((size_t) n > prefix_len && strncmp(line, user, strlen(user)) == 0 &&
          line[strlen(user)] == ':' &&
          strncmp(line + strlen(user) + 1, domain, strlen(domain)) == 0 &&
          line[prefix_len - 1] == ':') {
        if (found++) continue; /* a duplicate of the user: drop it */
        fprintf(out, "%s:%s:%s\n", user, domain, ha1);
      } else {
        fputs(line, out);
        if (line[n - 1] != '\n') fputc('\n', out);
      }
    }
    ok = !ferror(in);
    free(line);
    fclose(in);
  } else if (errno != ENOENT) {
    fprintf(stderr, "Cannot read %s: %s\n", path, strerror(errno));
    ok = 0;
  }
  if (!found) fprintf(out, "%s:%s:%s\n", user, domain, ha1);
  if (fclose(out) != 0) ok = 0;
  if (!ok || rename(tmp, path) != 0) {
    fprintf(stderr, "Cannot update %s: %s\n", path, strerror(errno));
    remove(tmp);
    return 1;
  }
  return 0;
}

/* Replaces a relative document_root by its absolute path, if it exists. */
static void make_root_absolute(void) {
  char resolved[PATH_MAX];
  int i = find_option("document_root");
  if (i >= 0 && s_values[i] != NULL && s_values[i][0] != '\0' &&
      realpath(s_values[i], resolved) != NULL) {
    set_value(i, resolved);
  }
}

int main(int argc, char *argv[]) {
  const char *config = NULL;
  struct mg_server *server;
  struct sigaction sa;
  int i, status;

  s_names = mg_get_valid_option_names();
  while (s_names[2 * s_num_options] != NULL) s_num_options++;
  if (s_num_options > MAX_OPTIONS) {
    fprintf(stderr, "Too many options (%d)\n", s_num_options);
    return 1;
  }

  if (argc > 1 && strcmp(argv[1], "-A") == 0) {
    if (argc != 6) {
      usage(stderr, argv[0]);
      return 2;
    }
    return edit_passwords_file(argv[2], argv[3], argv[4], argv[5]);
  }

  /* Check the command line and find -c before reading anything. */
  status = parse_args(argc, argv, 0, &config);
  if (status >= 0) return status;

  for (i = 0; i < s_num_options; i++) {
    const char *def = default_value(i);
    if (def != NULL) set_value(i, def);
  }
  status = read_config(config != NULL ? config : DEFAULT_CONFIG_FILE,
                       config != NULL);
  if (status == 0) status = parse_args(argc, argv, 1, &config);
  if (status >= 0) {
    free_values();
    return status;
  }
  make_root_absolute();

  server = mg_create_server(NULL, NULL);
  if (server == NULL) {
    fprintf(stderr, "Cannot create the server\n");
    free_values();
    return 1;
  }
  /* Table order sets listening_port before run_as_user, as it must be. */
  for (i = 0; i < s_num_options; i++) {
    const char *err, *lib_default = s_names[2 * i + 1];
    if (s_values[i] == NULL) continue;
    if (lib_default != NULL && strcmp(s_values[i], lib_default) == 0) continue;
    err = mg_set_option(server, s_names[2 * i], s_values[i]);
    if (err != NULL) {
      fprintf(stderr, "Cannot set option %s to \"%s\": %s\n", s_names[2 * i],
              s_values[i], err);
      mg_destroy_server(&server);
      free_values();
      return 1;
    }
  }

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  printf("Listening on port %s\n", mg_get_option(server, "listening_port"));
  printf("Serving %s\n", mg_get_option(server, "document_root"));
  fflush(stdout);

  while (!s_signal) {
    mg_poll_server(server, 200);
  }
  mg_destroy_server(&server);
  free_values();
  return 0;
}
