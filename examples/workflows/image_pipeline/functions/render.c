/* Image pipeline, step 3: the report. In: classify's output. Out: {"label", "mean",
 * "histogram", "thumbnail": [8 strings of 16 characters, an ASCII-art view of the image],
 * "summary"} (about 450 bytes). */
#include "image_common.h"

static const char RAMP[] = " .:-=+*#%@"; /* dark to bright */

int main(void) {
  char* in = read_all_input(NULL);
  if (in == NULL) return fail("out of memory");
  image img;
  if (!read_image(in, &img)) return 1;
  const char* label;
  size_t label_len;
  if (!json_string(in, "label", &label, &label_len)) return fail("no label");
  const char* mean = json_field(in, "mean");
  const char* hist = json_field(in, "histogram");
  if (mean == NULL || hist == NULL || *hist != '[') return fail("no mean or histogram");
  const char* hist_end = strchr(hist, ']');
  if (hist_end == NULL) return fail("bad histogram");
  double m = strtod(mean, NULL);

  outbuf o = {0};
  out_printf(&o, "{\"label\": \"%.*s\", \"mean\": %.2f, \"histogram\": %.*s, \"thumbnail\": [",
             (int)label_len, label, m, (int)(hist_end - hist + 1), hist);
  const long rows = 8, cols = 16;
  for (long r = 0; r < rows; ++r) {
    out_printf(&o, r ? ", \"" : "\"");
    for (long c = 0; c < cols; ++c) {
      long y0 = r * img.h / rows, y1 = (r + 1) * img.h / rows;
      long x0 = c * img.w / cols, x1 = (c + 1) * img.w / cols;
      if (y1 <= y0) y1 = y0 + 1;
      if (x1 <= x0) x1 = x0 + 1;
      unsigned long sum = 0, count = 0;
      for (long y = y0; y < y1 && y < img.h; ++y)
        for (long x = x0; x < x1 && x < img.w; ++x, ++count) sum += img.px[y * img.w + x];
      unsigned long v = count ? sum / count : 0;
      char ch = RAMP[v * (sizeof RAMP - 2) / 255];
      out_printf(&o, "%c", ch);
    }
    out_printf(&o, "\"");
  }
  out_printf(&o, "], \"summary\": \"a %ldx%ld thumbnail, %.*s (mean grey level %.1f)\"}", img.w,
             img.h, (int)label_len, label, m);
  out_send(&o);
  return 0;
}
