#!/usr/bin/env python3
"""Synthetic grey images for the image pipeline, as its input JSON:
{"w": W, "h": H, "pixels": "<base64 of W*H grey bytes>"}.

  make_image.py PATTERN [SIZE]     PATTERN: checker, dark, bright, gradient (SIZE: 128)

Each pattern has a known label (EXPECTED_LABEL), which the tests check."""
import base64
import json
import random
import sys

EXPECTED_LABEL = {"checker": "high-contrast", "dark": "dark", "bright": "bright",
                  "gradient": "mid-tone"}


def pixels(pattern, size):
    rng = random.Random(len(pattern) * 7919 + size)
    out = bytearray(size * size)
    for y in range(size):
        for x in range(size):
            if pattern == "checker":
                v = 255 if ((x * 8 // size) + (y * 8 // size)) % 2 else 0
            elif pattern == "dark":
                v = rng.randint(0, 80)
            elif pattern == "bright":
                v = rng.randint(180, 255)
            elif pattern == "gradient":
                v = x * 255 // (size - 1)
            else:
                raise ValueError("unknown pattern %r (have: %s)" % (pattern, ", ".join(EXPECTED_LABEL)))
            out[y * size + x] = v
    return bytes(out)


def image_json(pattern, size=128):
    return json.dumps({"w": size, "h": size,
                       "pixels": base64.b64encode(pixels(pattern, size)).decode()})


if __name__ == "__main__":
    print(image_json(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 128))
