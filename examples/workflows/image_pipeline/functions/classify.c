/* Image pipeline, step 2: an 8-bin histogram of the grey levels and a label from it:
 *   high-contrast  at least 30% of the pixels in the darkest quarter (< 64) and 30% in the
 *                  brightest (>= 192)
 *   dark           at least 60% below 96
 *   bright         at least 60% at 160 or above
 *   mid-tone       otherwise
 * In: resize's output. Out: {"label", "mean", "histogram": [8 counts], "w", "h", "pixels"}
 * (the pixels pass through for render; about 1.5 KB for 32x32). */
#include "image_common.h"

int main(void) {
  char* in = read_all_input(NULL);
  if (in == NULL) return fail("out of memory");
  image img;
  if (!read_image(in, &img)) return 1;
  long n = img.w * img.h;
  long hist[8] = {0};
  unsigned long sum = 0;
  for (long i = 0; i < n; ++i) {
    hist[img.px[i] >> 5]++;
    sum += img.px[i];
  }
  double dark = (double)(hist[0] + hist[1] + hist[2]) / (double)n;
  double bright = (double)(hist[5] + hist[6] + hist[7]) / (double)n;
  double darkest = (double)(hist[0] + hist[1]) / (double)n;
  double brightest = (double)(hist[6] + hist[7]) / (double)n;
  const char* label = "mid-tone";
  if (darkest >= 0.3 && brightest >= 0.3)
    label = "high-contrast";
  else if (dark >= 0.6)
    label = "dark";
  else if (bright >= 0.6)
    label = "bright";
  outbuf o = {0};
  out_printf(&o, "{\"label\": \"%s\", \"mean\": %.2f, \"histogram\": [", label,
             (double)sum / (double)n);
  for (int b = 0; b < 8; ++b) out_printf(&o, b ? ", %ld" : "%ld", hist[b]);
  out_printf(&o, "], \"w\": %ld, \"h\": %ld, \"pixels\": \"", img.w, img.h);
  out_base64(&o, img.px, (size_t)n);
  out_printf(&o, "\"}");
  out_send(&o);
  return 0;
}
