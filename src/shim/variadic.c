/*
 * The variadic functions of the Mongoose API. Stable Rust cannot define
 * C-variadic functions, so each one here only formats its arguments and
 * forwards them to a non-variadic function exported by the Rust library.
 * There is no other logic in this file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

#include "mongoose.h"

void mg_internal_wakeup_ex(struct mg_server *server, mg_handler_t handler, const char *text);
void mg_internal_md5(char *buf33, const char *data, size_t len);

/* Formats into `stack` when it fits, else into a malloc'd buffer (which the
 * caller frees when it differs from `stack`). Returns NULL on failure. */
static char *format(char *stack, size_t stack_len, int *len, const char *fmt, va_list ap) {
  va_list copy;
  char *buf = stack;
  int n;
  va_copy(copy, ap);
  n = vsnprintf(stack, stack_len, fmt, copy);
  va_end(copy);
  if (n < 0) return NULL;
  if ((size_t) n >= stack_len) {
    buf = (char *) malloc((size_t) n + 1);
    if (buf == NULL) return NULL;
    va_copy(copy, ap);
    n = vsnprintf(buf, (size_t) n + 1, fmt, copy);
    va_end(copy);
    if (n < 0) {
      free(buf);
      return NULL;
    }
  }
  *len = n;
  return buf;
}

size_t mg_printf(struct mg_connection *conn, const char *fmt, ...) {
  char stack[2048], *buf;
  int len = 0;
  size_t result;
  va_list ap;
  if (fmt == NULL) return mg_write(conn, "", 0);
  va_start(ap, fmt);
  buf = format(stack, sizeof(stack), &len, fmt, ap);
  va_end(ap);
  result = mg_write(conn, buf == NULL ? "" : buf, buf == NULL ? 0 : len);
  if (buf != stack) free(buf);
  return result;
}

size_t mg_printf_data(struct mg_connection *conn, const char *fmt, ...) {
  char stack[8192], *buf;
  int len = 0;
  size_t result;
  va_list ap;
  if (fmt == NULL) return mg_write(conn, "", 0);
  va_start(ap, fmt);
  buf = format(stack, sizeof(stack), &len, fmt, ap);
  va_end(ap);
  if (buf == NULL) return mg_write(conn, "", 0);
  result = mg_send_data(conn, buf, len);
  if (buf != stack) free(buf);
  return result;
}

size_t mg_websocket_printf(struct mg_connection *conn, int opcode, const char *fmt, ...) {
  char stack[4096], *buf;
  int len = 0;
  size_t result;
  va_list ap;
  if (fmt == NULL) return mg_write(conn, "", 0);
  va_start(ap, fmt);
  buf = format(stack, sizeof(stack), &len, fmt, ap);
  va_end(ap);
  if (buf == NULL || len == 0) {
    result = mg_write(conn, "", 0);
  } else {
    result = mg_websocket_write(conn, opcode, buf, (size_t) len);
  }
  if (buf != stack) free(buf);
  return result;
}

void mg_wakeup_server_ex(struct mg_server *server, mg_handler_t handler, const char *fmt, ...) {
  char stack[1024], *buf;
  int len = 0;
  va_list ap;
  if (fmt == NULL) return;
  va_start(ap, fmt);
  buf = format(stack, sizeof(stack), &len, fmt, ap);
  va_end(ap);
  if (buf == NULL) return;
  mg_internal_wakeup_ex(server, handler, buf);
  if (buf != stack) free(buf);
}

char *mg_md5(char *buf, ...) {
  va_list ap;
  const char *s;
  size_t total = 0, pos = 0;
  char *data;
  if (buf == NULL) return NULL;
  va_start(ap, buf);
  while ((s = va_arg(ap, const char *)) != NULL) total += strlen(s);
  va_end(ap);
  data = (char *) malloc(total + 1);
  if (data == NULL) {
    buf[0] = '\0';
    return buf;
  }
  va_start(ap, buf);
  while ((s = va_arg(ap, const char *)) != NULL) {
    size_t n = strlen(s);
    memcpy(data + pos, s, n);
    pos += n;
  }
  va_end(ap);
  mg_internal_md5(buf, data, total);
  free(data);
  return buf;
}
