/* Image pipeline, step 1: downsamples a grey image to at most 32x32 (box filter: each output
 * pixel is the mean of the input pixels it covers). In: {"w", "h", "pixels"} (any size up to
 * 4096x4096). Out: {"w", "h", "pixels", "source_w", "source_h"}; for a 32x32 result about
 * 1.4 KB. */
#include "image_common.h"

#define TARGET 32

int main(void) {
  char* in = read_all_input(NULL);
  if (in == NULL) return fail("out of memory");
  image src;
  if (!read_image(in, &src)) return 1;
  long w = src.w < TARGET ? src.w : TARGET;
  long h = src.h < TARGET ? src.h : TARGET;
  unsigned char* dst = (unsigned char*)malloc((size_t)(w * h));
  if (dst == NULL) return fail("out of memory");
  for (long y = 0; y < h; ++y) {
    long y0 = y * src.h / h, y1 = (y + 1) * src.h / h;
    for (long x = 0; x < w; ++x) {
      long x0 = x * src.w / w, x1 = (x + 1) * src.w / w;
      unsigned long sum = 0;
      for (long yy = y0; yy < y1; ++yy)
        for (long xx = x0; xx < x1; ++xx) sum += src.px[yy * src.w + xx];
      unsigned long count = (unsigned long)((y1 - y0) * (x1 - x0));
      dst[y * w + x] = (unsigned char)((sum + count / 2) / count);
    }
  }
  outbuf o = {0};
  out_printf(&o, "{\"w\": %ld, \"h\": %ld, \"source_w\": %ld, \"source_h\": %ld, \"pixels\": \"", w,
             h, src.w, src.h);
  out_base64(&o, dst, (size_t)(w * h));
  out_printf(&o, "\"}");
  out_send(&o);
  return 0;
}
