#include "engine/module_info.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/errors.h"

namespace wasmlet::engine {
namespace {

class Reader {
 public:
  explicit Reader(std::span<const unsigned char> bytes) : bytes_(bytes) {}

  bool done() const { return pos_ >= bytes_.size(); }
  size_t pos() const { return pos_; }

  uint8_t byte() {
    if (pos_ >= bytes_.size()) fail("unexpected end");
    return bytes_[pos_++];
  }

  // LEB128 as the spec has it: at most ceil(bits / 7) bytes, and in the last one the bits past
  // `bits` are zero (unsigned) or copies of the sign bit (signed).
  uint64_t uleb(unsigned bits) {
    uint64_t result = 0;
    for (unsigned shift = 0;; shift += 7) {
      uint8_t b = byte();
      const unsigned left = bits - shift;
      if (left <= 7) {
        if (b & 0x80) fail("integer representation too long");
        if (b >> left) fail("integer too large");
        return result | uint64_t{b} << shift;
      }
      result |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return result;
    }
  }
  int64_t sleb(unsigned bits) {
    uint64_t result = 0;
    for (unsigned shift = 0;; shift += 7) {
      uint8_t b = byte();
      const unsigned left = bits - shift;
      if (left <= 7) {
        if (b & 0x80) fail("integer representation too long");
        const unsigned unused = b >> (left - 1);  // the sign bit and the bits above it
        if (unused != 0 && unused != (0x7fu >> (left - 1))) fail("integer too large");
        result |= uint64_t{b & 0x7fu} << shift;
        if (unused != 0 && bits < 64) result |= ~uint64_t{0} << bits;
        return static_cast<int64_t>(result);
      }
      result |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) {
        if (b & 0x40) result |= ~uint64_t{0} << (shift + 7);
        return static_cast<int64_t>(result);
      }
    }
  }
  uint32_t u32() { return static_cast<uint32_t>(uleb(32)); }
  // A vector's length: each element takes at least a byte, so a count past the end is broken
  // (and would otherwise drive a loop for billions of rounds).
  uint32_t count() {
    uint32_t n = u32();
    if (n > bytes_.size() - pos_) fail("vector length past end");
    return n;
  }

  std::string name() {
    uint32_t len = u32();
    if (len > bytes_.size() - pos_) fail("name past end");
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    return s;
  }

  void skip(size_t n) {
    if (n > bytes_.size() - pos_) fail("section past end");
    pos_ += n;
  }

  [[noreturn]] void fail(std::string_view what) const {
    throw ModuleRejected(fmt::format("malformed module: {} at offset {}", what, pos_));
  }

 private:
  std::span<const unsigned char> bytes_;
  size_t pos_ = 0;
};

char value_type(Reader& r) {
  switch (r.byte()) {
    case 0x7f:
      return 'i';
    case 0x7e:
      return 'j';
    case 0x7d:
      return 'f';
    case 0x7c:
      return 'd';
    case 0x70:
      return 'r';
    case 0x6f:
      return 'e';
    case 0x7b:
      r.fail("SIMD (v128) is not supported");
    default:
      r.fail("unknown value type");
  }
}

Limits limits(Reader& r) {
  Limits l;
  uint8_t flags = r.byte();
  if (flags > 1) r.fail("unsupported limits flags (shared or 64-bit memory)");
  l.min = r.u32();
  if (flags & 1) l.max = r.u32();
  return l;
}

// Skips a constant expression up to and including its `end`.
void skip_const_expr(Reader& r) {
  for (;;) {
    uint8_t op = r.byte();
    switch (op) {
      case 0x0b:
        return;
      case 0x41:
        r.sleb(32);
        break;
      case 0x42:
        r.sleb(64);
        break;
      case 0x43:
        r.skip(4);
        break;
      case 0x44:
        r.skip(8);
        break;
      case 0x23:
        r.u32();
        break;
      case 0xd0:
        r.byte();
        break;
      case 0xd2:
        r.u32();
        break;
      default:
        r.fail("unsupported instruction in constant expression");
    }
  }
}

}  // namespace

const Export* ModuleInfo::find_export(std::string_view name) const {
  for (const auto& e : exports) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::string_view signature_params(std::string_view sig) { return sig.substr(0, sig.find('>')); }
std::string_view signature_results(std::string_view sig) {
  auto p = sig.find('>');
  return p == std::string_view::npos ? std::string_view{} : sig.substr(p + 1);
}

ModuleInfo parse_module_info(std::span<const unsigned char> wasm) {
  Reader r(wasm);
  static constexpr unsigned char kMagic[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  if (wasm.size() < 8 || !std::equal(std::begin(kMagic), std::end(kMagic), wasm.begin())) {
    throw ModuleRejected("malformed module: not a WebAssembly 1.0 binary (bad magic or version)");
  }
  r.skip(8);

  ModuleInfo info;
  std::vector<std::string> types;
  std::vector<uint32_t> func_types;  // imported functions first, then defined ones
  size_t imported_functions = 0;
  std::vector<ExternType> globals, tables;
  struct RawExport {
    std::string name;
    ExternKind kind;
    uint32_t index;
  };
  std::vector<RawExport> raw_exports;

  while (!r.done()) {
    uint8_t id = r.byte();
    uint32_t size = r.u32();
    size_t end = r.pos() + size;
    if (end > wasm.size()) r.fail("section past end");
    switch (id) {
      case 1: {  // types
        for (uint32_t n = r.count(); n > 0; --n) {
          if (r.byte() != 0x60) r.fail("expected function type");
          std::string sig;
          for (uint32_t k = r.count(); k > 0; --k) sig += value_type(r);
          sig += '>';
          for (uint32_t k = r.count(); k > 0; --k) sig += value_type(r);
          types.push_back(std::move(sig));
        }
        break;
      }
      case 2: {  // imports
        for (uint32_t n = r.count(); n > 0; --n) {
          Import imp;
          imp.module = r.name();
          imp.name = r.name();
          uint8_t kind = r.byte();
          switch (kind) {
            case 0: {
              uint32_t t = r.u32();
              if (t >= types.size()) r.fail("import type index out of range");
              imp.type.kind = ExternKind::Func;
              imp.type.signature = types[t];
              func_types.push_back(t);
              ++imported_functions;
              break;
            }
            case 1:
              imp.type.kind = ExternKind::Table;
              imp.type.signature = std::string(1, value_type(r));
              imp.type.limits = limits(r);
              tables.push_back(imp.type);
              break;
            case 2:
              imp.type.kind = ExternKind::Memory;
              imp.type.limits = limits(r);
              info.has_memory = true;
              info.memory_imported = true;
              info.memory_limits = imp.type.limits;
              break;
            case 3:
              imp.type.kind = ExternKind::Global;
              imp.type.signature = std::string(1, value_type(r));
              imp.type.mutable_global = r.byte() == 1;
              globals.push_back(imp.type);
              break;
            default:
              r.fail("unknown import kind");
          }
          info.imports.push_back(std::move(imp));
        }
        break;
      }
      case 3: {  // functions
        for (uint32_t n = r.count(); n > 0; --n) {
          uint32_t t = r.u32();
          if (t >= types.size()) r.fail("function type index out of range");
          func_types.push_back(t);
        }
        break;
      }
      case 4: {  // tables
        for (uint32_t n = r.count(); n > 0; --n) {
          ExternType t;
          t.kind = ExternKind::Table;
          t.signature = std::string(1, value_type(r));
          t.limits = limits(r);
          tables.push_back(t);
        }
        break;
      }
      case 5: {  // memories
        for (uint32_t n = r.count(); n > 0; --n) {
          info.has_memory = true;
          info.memory_limits = limits(r);
        }
        break;
      }
      case 6: {  // globals
        for (uint32_t n = r.count(); n > 0; --n) {
          ExternType t;
          t.kind = ExternKind::Global;
          t.signature = std::string(1, value_type(r));
          t.mutable_global = r.byte() == 1;
          skip_const_expr(r);
          globals.push_back(t);
        }
        break;
      }
      case 7: {  // exports
        for (uint32_t n = r.count(); n > 0; --n) {
          RawExport e;
          e.name = r.name();
          uint8_t kind = r.byte();
          if (kind > 3) r.fail("unknown export kind");
          e.kind = static_cast<ExternKind>(kind);
          e.index = r.u32();
          raw_exports.push_back(std::move(e));
        }
        break;
      }
      case 9:  // elements: only their number matters here
        info.element_segments = r.count();
        break;
      case 11:  // data
        info.data_segments = r.count();
        break;
      default:
        break;
    }
    if (id >= 1 && id <= 7 && r.pos() != end) r.fail("section size mismatch");
    if (r.pos() > end) r.fail("section size mismatch");
    r.skip(end - r.pos());
  }
  info.bytes = wasm.size();
  info.functions = func_types.size() - imported_functions;
  info.globals = globals.size();
  info.tables = tables.size();
  for (const auto& t : tables) info.largest_table = std::max(info.largest_table, t.limits.min);

  for (auto& e : raw_exports) {
    Export out;
    out.name = std::move(e.name);
    switch (e.kind) {
      case ExternKind::Func:
        if (e.index >= func_types.size())
          throw ModuleRejected("malformed module: export of unknown function");
        out.type.kind = ExternKind::Func;
        out.type.signature = types[func_types[e.index]];
        break;
      case ExternKind::Global:
        if (e.index >= globals.size())
          throw ModuleRejected("malformed module: export of unknown global");
        out.type = globals[e.index];
        break;
      case ExternKind::Table:
        if (e.index >= tables.size())
          throw ModuleRejected("malformed module: export of unknown table");
        out.type = tables[e.index];
        break;
      case ExternKind::Memory:
        if (!info.has_memory) throw ModuleRejected("malformed module: export of unknown memory");
        out.type.kind = ExternKind::Memory;
        out.type.limits = info.memory_limits;
        break;
    }
    info.exports.push_back(std::move(out));
  }
  return info;
}

ModuleInfo parse_module_info(std::span<const unsigned char> wasm, const ModuleLimits& limits) {
  auto check = [](const char* limit, uint64_t value, uint64_t maximum) {
    if (value > maximum) {
      throw LimitExceeded(
          limit, value, maximum,
          fmt::format("module exceeds the {} limit: {} (at most {})", limit, value, maximum));
    }
  };
  check("bytes", wasm.size(), limits.bytes);
  ModuleInfo info = parse_module_info(wasm);
  check("functions", info.functions, limits.functions);
  check("imports", info.imports.size(), limits.imports);
  check("exports", info.exports.size(), limits.exports);
  check("globals", info.globals, limits.globals);
  check("data_segments", info.data_segments, limits.data_segments);
  check("element_segments", info.element_segments, limits.element_segments);
  check("tables", info.tables, limits.tables);
  check("table_elements", info.largest_table, limits.table_elements);
  if (info.has_memory) check("memory_pages", info.memory_limits.min, limits.memory_pages);
  return info;
}

}  // namespace wasmlet::engine
