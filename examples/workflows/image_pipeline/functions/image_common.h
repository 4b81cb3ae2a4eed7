/* What the image pipeline's C functions share: the call's input and output, base64, and
 * reading the few fields of the pipeline's own JSON (flat objects written by these functions:
 * no escapes inside strings, no nesting where a field is looked up).
 *
 * An image travels as {"w": W, "h": H, "pixels": "<base64 of W*H grey bytes, row by row>"}. */
#ifndef IMAGE_COMMON_H
#define IMAGE_COMMON_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmlet/wasmlet.h>

/* The call's input as a NUL-terminated string (freed by the process's end: a Faaslet is reset
 * after the call). */
static inline char* read_all_input(size_t* len) {
  size_t n = wasmlet_input_size();
  char* buf = (char*)malloc(n + 1);
  if (buf == NULL) return NULL;
  wasmlet_read_input(buf, n);
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

static inline int fail(const char* why) {
  wasmlet_set_output(why, strlen(why));
  return 1;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static inline size_t b64_encoded_size(size_t n) { return (n + 2) / 3 * 4; }

/* Writes the base64 of src[0..n) to dst (b64_encoded_size(n) bytes, no NUL). */
static inline void b64_encode(const unsigned char* src, size_t n, char* dst) {
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    unsigned v = (unsigned)src[i] << 16 | (unsigned)src[i + 1] << 8 | src[i + 2];
    *dst++ = B64[v >> 18];
    *dst++ = B64[(v >> 12) & 63];
    *dst++ = B64[(v >> 6) & 63];
    *dst++ = B64[v & 63];
  }
  if (i < n) {
    unsigned v = (unsigned)src[i] << 16 | (i + 1 < n ? (unsigned)src[i + 1] << 8 : 0);
    *dst++ = B64[v >> 18];
    *dst++ = B64[(v >> 12) & 63];
    *dst++ = i + 1 < n ? B64[(v >> 6) & 63] : '=';
    *dst++ = '=';
  }
}

static inline int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Decodes base64 text src[0..n) into dst (at most cap bytes); returns the bytes written, or
 * -1 on a character that is not base64. Stops at '='. */
static inline long b64_decode(const char* src, size_t n, unsigned char* dst, size_t cap) {
  unsigned acc = 0;
  int bits = 0;
  size_t out = 0;
  for (size_t i = 0; i < n && src[i] != '='; ++i) {
    int v = b64_value(src[i]);
    if (v < 0) return -1;
    acc = acc << 6 | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (out == cap) return -1;
      dst[out++] = (unsigned char)(acc >> bits);
    }
  }
  return (long)out;
}

/* Where the value of "key" starts in json (after the colon and blanks), or NULL. */
static inline const char* json_field(const char* json, const char* key) {
  size_t k = strlen(key);
  for (const char* p = strchr(json, '"'); p; p = strchr(p + 1, '"')) {
    if (strncmp(p + 1, key, k) == 0 && p[k + 1] == '"') {
      const char* v = p + k + 2;
      while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') ++v;
      if (*v != ':') continue;
      ++v;
      while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') ++v;
      return v;
    }
  }
  return NULL;
}

static inline int json_int(const char* json, const char* key, long* out) {
  const char* v = json_field(json, key);
  if (v == NULL) return 0;
  char* end;
  *out = strtol(v, &end, 10);
  return end != v;
}

/* The string value of "key": its start and length (no escapes expected). */
static inline int json_string(const char* json, const char* key, const char** start, size_t* len) {
  const char* v = json_field(json, key);
  if (v == NULL || *v != '"') return 0;
  const char* end = strchr(v + 1, '"');
  if (end == NULL) return 0;
  *start = v + 1;
  *len = (size_t)(end - v - 1);
  return 1;
}

typedef struct {
  long w, h;
  unsigned char* px; /* w*h grey bytes */
} image;

/* Parses {"w", "h", "pixels"}; 0 and an output naming the problem when it is not one. */
static inline int read_image(const char* json, image* img) {
  const char* b64;
  size_t b64len;
  if (!json_int(json, "w", &img->w) || !json_int(json, "h", &img->h) ||
      !json_string(json, "pixels", &b64, &b64len))
    return fail("expected {\"w\": W, \"h\": H, \"pixels\": \"<base64>\"}"), 0;
  if (img->w <= 0 || img->h <= 0 || img->w > 4096 || img->h > 4096)
    return fail("image size out of range (1..4096)"), 0;
  size_t n = (size_t)(img->w * img->h);
  img->px = (unsigned char*)malloc(n);
  if (img->px == NULL) return fail("out of memory"), 0;
  if (b64_decode(b64, b64len, img->px, n) != (long)n)
    return fail("pixels: not w*h bytes of base64"), 0;
  return 1;
}

/* A growing output buffer. */
typedef struct {
  char* data;
  size_t len, cap;
} outbuf;

static inline void out_reserve(outbuf* o, size_t more) {
  if (o->len + more + 1 <= o->cap) return;
  size_t cap = o->cap ? o->cap : 256;
  while (cap < o->len + more + 1) cap *= 2;
  o->data = (char*)realloc(o->data, cap);
  o->cap = cap;
}

static inline void out_printf(outbuf* o, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  out_reserve(o, (size_t)n);
  vsnprintf(o->data + o->len, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  o->len += (size_t)n;
}

static inline void out_base64(outbuf* o, const unsigned char* src, size_t n) {
  size_t m = b64_encoded_size(n);
  out_reserve(o, m);
  b64_encode(src, n, o->data + o->len);
  o->len += m;
}

static inline void out_send(outbuf* o) { wasmlet_set_output(o->data, o->len); }

#endif
