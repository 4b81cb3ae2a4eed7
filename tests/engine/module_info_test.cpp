// engine/module_info: the parser of a module's imports, exports and sizes, one table of
// hand-assembled binaries with what the parser must read from each, and one of broken binaries
// with the reason it must give. The module_info fuzz target checks it on arbitrary bytes.
#include "engine/module_info.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/errors.h"

namespace wasmlet::engine {
namespace {

using Bytes = std::vector<unsigned char>;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A name as the binary format writes it: its length, then its bytes.
Bytes name(const std::string& s) {
  Bytes out(s.size() + 1);
  out[0] = static_cast<unsigned char>(s.size());
  std::copy(s.begin(), s.end(), out.begin() + 1);
  return out;
}

// Section `id` with its contents; the size is one LEB128 byte, enough for these tests.
Bytes section(unsigned char id, const Bytes& contents) {
  return cat({{id, static_cast<unsigned char>(contents.size())}, contents});
}

Bytes module(std::initializer_list<Bytes> sections) {
  Bytes out{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  for (const auto& s : sections) out.insert(out.end(), s.begin(), s.end());
  return out;
}

// Indexed by ExternKind, whose values are the binary format's.
constexpr const char* kKindNames[] = {"func", "table", "memory", "global"};

std::string describe(const ExternType& t) {
  std::string out = fmt::format("{} {}", kKindNames[static_cast<size_t>(t.kind)], t.signature);
  if (t.mutable_global) out += " mut";
  if (t.kind == ExternKind::Table || t.kind == ExternKind::Memory) {
    out += fmt::format(" {}..{}", t.limits.min, t.limits.max ? std::to_string(*t.limits.max) : "");
  }
  return out;
}

// Everything the parser read, on one line, so that a table row can say all it expects.
std::string describe(const ModuleInfo& info) {
  std::string out;
  for (const auto& i : info.imports)
    out += fmt::format("import {}.{}: {}; ", i.module, i.name, describe(i.type));
  for (const auto& e : info.exports)
    out += fmt::format("export {}: {}; ", e.name, describe(e.type));
  if (info.has_memory) {
    out += fmt::format("memory{} {}..{}; ", info.memory_imported ? " imported" : "",
                       info.memory_limits.min,
                       info.memory_limits.max ? std::to_string(*info.memory_limits.max) : "");
  }
  out += fmt::format("functions {} globals {} tables {} largest {} data {} elements {}",
                     info.functions, info.globals, info.tables, info.largest_table,
                     info.data_segments, info.element_segments);
  return out;
}

// Type 0: (i32, i32) -> i32; type 1: () -> i64 f32 f64.
const Bytes kTypes = section(1, {0x02, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,  //
                                 0x60, 0x00, 0x03, 0x7e, 0x7d, 0x7c});

TEST(ModuleInfo, ReadsImportsExportsAndSizes) {
  struct Case {
    const char* what;
    Bytes wasm;
    std::string expected;
  };
  const Case cases[] = {
      {"an empty module", module({}), "functions 0 globals 0 tables 0 largest 0 data 0 elements 0"},
      {"a function import and a defined function exported",
       module({kTypes, section(2, cat({{0x01}, name("env"), name("add"), {0x00, 0x00}})),
               section(3, {0x01, 0x01}), section(7, cat({{0x01}, name("run"), {0x00, 0x01}}))}),
       "import env.add: func ii>i; export run: func >jfd; "
       "functions 1 globals 0 tables 0 largest 0 data 0 elements 0"},
      {"an imported memory with a maximum, exported again",
       module({section(2, cat({{0x01}, name("env"), name("memory"), {0x02, 0x01, 0x02, 0x10}})),
               section(7, cat({{0x01}, name("mem"), {0x02, 0x00}}))}),
       "import env.memory: memory  2..16; export mem: memory  2..16; memory imported 2..16; "
       "functions 0 globals 0 tables 0 largest 0 data 0 elements 0"},
      {"a defined memory without a maximum", module({section(5, {0x01, 0x00, 0x03})}),
       "memory 3..; functions 0 globals 0 tables 0 largest 0 data 0 elements 0"},
      {"tables: imported and defined, the largest counted",
       module({section(2, cat({{0x01}, name("env"), name("t"), {0x01, 0x70, 0x00, 0x04}})),
               section(4, {0x02, 0x70, 0x01, 0x08, 0x09, 0x6f, 0x00, 0x02}),
               section(7, cat({{0x01}, name("t2"), {0x01, 0x02}}))}),
       "import env.t: table r 4..; export t2: table e 2..; "
       "functions 0 globals 0 tables 3 largest 8 data 0 elements 0"},
      {"globals: an imported mutable one and a defined constant exported",
       module({section(2, cat({{0x01}, name("env"), name("g"), {0x03, 0x7e, 0x01}})),
               section(6, {0x01, 0x7f, 0x00, 0x41, 0x2a, 0x0b}),
               section(7, cat({{0x02}, name("g0"), {0x03, 0x00}, name("g1"), {0x03, 0x01}}))}),
       "import env.g: global j mut; export g0: global j mut; export g1: global i; "
       "functions 0 globals 2 tables 0 largest 0 data 0 elements 0"},
      {"data and element segments are only counted, custom sections skipped",
       module({section(0, cat({name("name"), {0xaa, 0xbb}})), section(9, {0x03, 0xff, 0xff, 0xff}),
               section(11, {0x02, 0xff, 0xff})}),
       "functions 0 globals 0 tables 0 largest 0 data 2 elements 3"},
  };
  for (const auto& c : cases) {
    ModuleInfo info;
    ASSERT_NO_THROW(info = parse_module_info(c.wasm)) << c.what;
    EXPECT_EQ(describe(info), c.expected) << c.what;
    EXPECT_EQ(info.bytes, c.wasm.size()) << c.what;
  }
}

TEST(ModuleInfo, RefusesMalformedBinariesSayingWhy) {
  struct Case {
    const char* what;
    Bytes wasm;
    std::string reason;  // part of the message
  };
  const Case cases[] = {
      {"no bytes", {}, "bad magic or version"},
      {"a wrong magic", {0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00}, "bad magic"},
      {"version 2", {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00}, "bad magic or version"},
      {"a section longer than the module", cat({module({}), {0x01, 0x05, 0x00}}),
       "section past end"},
      {"a section id without a size", cat({module({}), {0x01}}), "unexpected end"},
      {"a size of six LEB128 bytes", cat({module({}), {0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}}),
       "integer representation too long"},
      {"a type that is not a function type", module({section(1, {0x01, 0x5f})}),
       "expected function type"},
      {"a v128 parameter", module({section(1, {0x01, 0x60, 0x01, 0x7b, 0x00})}),
       "SIMD (v128) is not supported"},
      {"an unknown value type", module({section(1, {0x01, 0x60, 0x01, 0x01, 0x00})}),
       "unknown value type"},
      {"an import of an unknown type",
       module({section(2, cat({{0x01}, name("env"), name("f"), {0x00, 0x00}}))}),
       "import type index out of range"},
      {"an unknown import kind",
       module({section(2, cat({{0x01}, name("env"), name("f"), {0x04, 0x00}}))}),
       "unknown import kind"},
      {"a shared memory", module({section(5, {0x01, 0x03, 0x01, 0x01})}),
       "unsupported limits flags"},
      {"a function of an unknown type", module({section(3, {0x01, 0x00})}),
       "function type index out of range"},
      {"an export of an unknown function",
       module({section(7, cat({{0x01}, name("f"), {0x00, 0x00}}))}), "export of unknown function"},
      {"an export of an unknown memory",
       module({section(7, cat({{0x01}, name("m"), {0x02, 0x00}}))}), "export of unknown memory"},
      {"an unknown export kind", module({section(7, cat({{0x01}, name("x"), {0x04, 0x00}}))}),
       "unknown export kind"},
      {"a global initialised by a call", module({section(6, {0x01, 0x7f, 0x00, 0x10, 0x00, 0x0b})}),
       "unsupported instruction in constant expression"},
      {"a section whose contents end early", module({section(5, {0x01, 0x00, 0x01, 0x00})}),
       "section size mismatch"},
      {"a name longer than the module", module({section(7, {0x01, 0x7f})}), "past end"},
  };
  for (const auto& c : cases) {
    try {
      parse_module_info(c.wasm);
      ADD_FAILURE() << "accepted " << c.what;
    } catch (const ModuleRejected& e) {
      EXPECT_NE(std::string(e.what()).find(c.reason), std::string::npos)
          << c.what << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("malformed module: ", 0), 0u) << e.what();
    }
  }
}

TEST(ModuleInfo, LimitsNameTheFirstOneExceeded) {
  const Bytes wasm = module({kTypes, section(3, {0x02, 0x00, 0x01}), section(5, {0x01, 0x00, 0x03}),
                             section(11, {0x04, 0x00, 0x00, 0x00, 0x00})});
  struct Case {
    const char* limit;
    void (*lower)(ModuleLimits&);
  };
  const Case cases[] = {
      {"bytes", [](ModuleLimits& l) { l.bytes = 10; }},
      {"functions", [](ModuleLimits& l) { l.functions = 1; }},
      {"data_segments", [](ModuleLimits& l) { l.data_segments = 3; }},
      {"memory_pages", [](ModuleLimits& l) { l.memory_pages = 2; }},
  };
  EXPECT_NO_THROW(parse_module_info(wasm, ModuleLimits{}));
  for (const auto& c : cases) {
    ModuleLimits limits;
    c.lower(limits);
    try {
      parse_module_info(wasm, limits);
      ADD_FAILURE() << "not over the " << c.limit << " limit";
    } catch (const LimitExceeded& e) {
      EXPECT_NE(std::string(e.what()).find(fmt::format("the {} limit", c.limit)), std::string::npos)
          << e.what();
    }
  }
}

TEST(ModuleInfo, SignatureHalves) {
  struct Case {
    const char *sig, *params, *results;
  };
  const Case cases[] = {
      {"ii>i", "ii", "i"}, {">", "", ""}, {"jfd>", "jfd", ""}, {">ij", "", "ij"}, {"", "", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(signature_params(c.sig), c.params) << c.sig;
    EXPECT_EQ(signature_results(c.sig), c.results) << c.sig;
  }
}

}  // namespace
}  // namespace wasmlet::engine
