/*
 * SHA-1 and base64 for the Sec-WebSocket-Accept key, shared by the bench
 * programs ws_load.c (checks the server's key) and ws_floor.c (computes
 * its own). Plain C99, libc only; included, not linked.
 */
#ifndef WS_ACCEPT_H
#define WS_ACCEPT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SHA-1 (for Sec-WebSocket-Accept) ---- */
static uint32_t rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

static void sha1(const unsigned char *data, size_t len, unsigned char out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  size_t total = ((len + 8) / 64 + 1) * 64, i;
  unsigned char *m = calloc(1, total);
  uint64_t bits = (uint64_t) len * 8;
  memcpy(m, data, len);
  m[len] = 0x80;
  for (i = 0; i < 8; i++) m[total - 1 - i] = (unsigned char) (bits >> (8 * i));
  for (i = 0; i < total; i += 64) {
    uint32_t w[80], a, b, c, d, e, f, k, t;
    int j;
    for (j = 0; j < 16; j++)
      w[j] = (uint32_t) m[i + 4 * j] << 24 | (uint32_t) m[i + 4 * j + 1] << 16 |
             (uint32_t) m[i + 4 * j + 2] << 8 | m[i + 4 * j + 3];
    for (j = 16; j < 80; j++) w[j] = rol(w[j - 3] ^ w[j - 8] ^ w[j - 14] ^ w[j - 16], 1);
    a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (j = 0; j < 80; j++) {
      if (j < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (j < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (j < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      t = rol(a, 5) + f + e + k + w[j];
      e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  free(m);
  for (i = 0; i < 5; i++) {
    out[4 * i] = (unsigned char) (h[i] >> 24);
    out[4 * i + 1] = (unsigned char) (h[i] >> 16);
    out[4 * i + 2] = (unsigned char) (h[i] >> 8);
    out[4 * i + 3] = (unsigned char) h[i];
  }
}

static void base64(const unsigned char *in, size_t len, char *out) {
  static const char *tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i, o = 0;
  for (i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t) in[i] << 16;
    if (i + 1 < len) v |= (uint32_t) in[i + 1] << 8;
    if (i + 2 < len) v |= in[i + 2];
    out[o++] = tbl[(v >> 18) & 63];
    out[o++] = tbl[(v >> 12) & 63];
    out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < len ? tbl[v & 63] : '=';
  }
  out[o] = '\0';
}

/* Sec-WebSocket-Accept for a client key: base64(SHA-1(key + GUID)). */
static void ws_accept_key(const char *key, char out[32]) {
  char concat[128];
  unsigned char digest[20];
  snprintf(concat, sizeof(concat), "%.60s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
  sha1((unsigned char *) concat, strlen(concat), digest);
  base64(digest, 20, out);
}

#endif
