// The loop versioning pass on wasm2c-shaped C (loop_versioning.cpp): which loops get the
// 64-bit copy and which must not. tests/spec/loop_wrap.wast runs the copies and their checks.
#include "engine/loop_versioning.h"

#include <gtest/gtest.h>

#include <string>

namespace wasmlet::engine {
namespace {

// A counted loop as wasm2c writes it: acc += mem[iv + x]; iv += 4; while (iv != bound).
// `extra` goes into the body just before the latch.
std::string loop(const std::string& extra = "",
                 const std::string& compare = "!=", const std::string& bound = "w2c_p1") {
  return "  w2c_L0: \n"
         "    w2c_i0 = w2c_l1;\n"
         "    w2c_i1 = w2c_l0;\n"
         "    w2c_i2 = w2c_p2;\n"
         "    w2c_i1 += w2c_i2;\n"
         "    w2c_i1 = i32_load_live(&instance->w2c_M0, (u64)(w2c_i1));\n"
         "    w2c_i0 += w2c_i1;\n"
         "    w2c_l1 = w2c_i0;\n" +
         extra +
         "    w2c_i0 = w2c_l0;\n"
         "    w2c_i1 = 4u;\n"
         "    w2c_i0 += w2c_i1;\n"
         "    w2c_l0 = w2c_i0;\n"
         "    w2c_i1 = " +
         bound + ";\n    w2c_i0 = w2c_i0 " + compare +
         " w2c_i1;\n"
         "    if (w2c_i0) {goto w2c_L0;}\n"
         "  w2c_i0 = w2c_l1;\n";
}

std::string versioned(std::string source) {
  version_counted_loops(source);
  return source;
}

TEST(LoopVersioning, CountedLoopGetsACheckedCopy) {
  std::string out = versioned(loop());
  // c < B, the steps meet B, and the last iteration's address l0 + p2 is below 2^32.
  EXPECT_NE(out.find("if (w2c_l0 < w2c_p1 && (u32)(w2c_p1 - w2c_l0) % 4u == 0 && "
                     "(u64)w2c_l0 + ((u64)(u32)(w2c_p1 - w2c_l0) / 4u - 1) * 4u + (u64)w2c_p2 "
                     "<= 0xffffffffull) {"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("i32_load_live(&instance->w2c_M0, ((u64)w2c_l0 + (u64)w2c_p2));"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("if (w2c_i0) {goto w2c_L0_wl;}\ngoto w2c_L0_wl_end;"), std::string::npos);
  // The original loop follows, unchanged, and both end at the same place.
  EXPECT_NE(out.find(loop().substr(0, loop().find("  w2c_i0 = w2c_l1;\n", 20))), std::string::npos);
  EXPECT_NE(out.find("    if (w2c_i0) {goto w2c_L0;}\nw2c_L0_wl_end:;\n"), std::string::npos);
}

TEST(LoopVersioning, UnsignedLessThanLatchChecksTheStepToo) {
  std::string out = versioned(loop("", "<"));
  EXPECT_NE(out.find("if (w2c_l0 < w2c_p1 && (u64)w2c_p1 + 4u <= 0x100000000ull && "
                     "(u64)w2c_l0 + (((u64)(u32)(w2c_p1 - w2c_l0) + 3u) / 4u - 1) * 4u + "
                     "(u64)w2c_p2 <= 0xffffffffull) {"),
            std::string::npos)
      << out;
}

TEST(LoopVersioning, LoopsItCannotProveAreLeftAlone) {
  // The other addend written in the loop.
  EXPECT_EQ(versioned(loop("    w2c_p2 = w2c_i0;\n")), loop("    w2c_p2 = w2c_i0;\n"));
  // The bound written in the loop.
  EXPECT_EQ(versioned(loop("    w2c_p1 = w2c_i0;\n")), loop("    w2c_p1 = w2c_i0;\n"));
  // iv written before its step.
  EXPECT_EQ(versioned(loop("    w2c_l0 = w2c_i0;\n")), loop("    w2c_l0 = w2c_i0;\n"));
  // A branch out of the body, a nested block.
  EXPECT_EQ(versioned(loop("    if (w2c_i0) {goto w2c_B1;}\n")),
            loop("    if (w2c_i0) {goto w2c_B1;}\n"));
  // A signed comparison.
  std::string s = loop("", "!=");
  size_t at = s.find("w2c_i0 = w2c_i0 != w2c_i1;");
  s.replace(at, 26, "w2c_i0 = (s32)w2c_i0 < (s32)w2c_i1;");
  EXPECT_EQ(versioned(s), s);
  // A bound the body does not show.
  EXPECT_EQ(versioned(loop("", "!=", "w2c_i3")), loop("", "!=", "w2c_i3"));
}

TEST(LoopVersioning, AddressesTakenAfterTheStepAreNotRewritten) {
  // After iv's write the sum would use the new iv: only the first access is rewritten.
  std::string src = loop();
  std::string late =
      "    w2c_i2 = w2c_l0;\n"
      "    w2c_i3 = w2c_p2;\n"
      "    w2c_i2 += w2c_i3;\n"
      "    i32_store(&instance->w2c_M0, (u64)(w2c_i2), w2c_i0);\n";
  src.insert(src.find("    w2c_i1 = w2c_p1;\n"), late);
  std::string out = versioned(src);
  EXPECT_NE(out.find("((u64)w2c_l0 + (u64)w2c_p2));"), std::string::npos) << out;
  EXPECT_NE(out.find("i32_store(&instance->w2c_M0, (u64)(w2c_i2), w2c_i0);"), std::string::npos);
}

TEST(LoopVersioning, PointerStepsBoundTheirLastAddress) {
  // acc += mem[p + x + 8]; p += 8; while (++c != n): the check bounds p's last value.
  std::string src =
      "  w2c_L3: \n"
      "    w2c_i0 = w2c_l1;\n"
      "    w2c_i1 = w2c_l5;\n"
      "    w2c_i2 = w2c_p2;\n"
      "    w2c_i1 += w2c_i2;\n"
      "    w2c_l2 = w2c_i1;\n"
      "    w2c_i2 = 8u;\n"
      "    w2c_i1 += w2c_i2;\n"
      "    w2c_d1 = f64_load_live(&instance->w2c_M0, (u64)(w2c_i1));\n"
      "    w2c_i2 = w2c_l2;\n"
      "    f64_store(&instance->w2c_M0, (u64)(w2c_i2), w2c_d1);\n"
      "    w2c_i0 = w2c_l5;\n"
      "    w2c_i1 = 8u;\n"
      "    w2c_i0 += w2c_i1;\n"
      "    w2c_l5 = w2c_i0;\n"
      "    w2c_i0 = w2c_p1;\n"
      "    w2c_i1 = w2c_l3;\n"
      "    w2c_i2 = 1u;\n"
      "    w2c_i1 += w2c_i2;\n"
      "    w2c_l3 = w2c_i1;\n"
      "    w2c_i0 = w2c_i0 != w2c_i1;\n"
      "    if (w2c_i0) {goto w2c_L3;}\n";
  std::string out = versioned(src);
  EXPECT_NE(out.find("if (w2c_l3 < w2c_p1 && (u32)(w2c_p1 - w2c_l3) % 1u == 0 && "
                     "(u64)w2c_l5 + ((u64)(u32)(w2c_p1 - w2c_l3) / 1u - 1) * 8u + (u64)w2c_p2 + "
                     "8u <= 0xffffffffull) {"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("f64_load_live(&instance->w2c_M0, ((u64)w2c_l5 + (u64)w2c_p2 + 8u));"),
            std::string::npos);
  // Through the local the sum was teed to.
  EXPECT_NE(out.find("f64_store(&instance->w2c_M0, ((u64)w2c_l5 + (u64)w2c_p2), w2c_d1);"),
            std::string::npos);
  // A pointer that steps down (by 2^32 - 8) is not bounded by its first value: left alone.
  std::string down = src;
  down.replace(down.find("w2c_i1 = 8u;\n    w2c_i0 += w2c_i1;\n    w2c_l5"), 12,
               "w2c_i1 = 4294967288u;");
  EXPECT_EQ(versioned(down).find("f64_load_live(&instance->w2c_M0, ((u64)"), std::string::npos)
      << versioned(down);
}

}  // namespace
}  // namespace wasmlet::engine
