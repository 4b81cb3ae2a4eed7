#include "spectest_host.h"

#include "engine/trap.h"

namespace wasmlet::spectest {
namespace {

// The print functions exist to be imported and called; the scripts never check what they print.
void print_none(void*) {}
void print_i32(void*, uint32_t) {}
void print_i64(void*, uint64_t) {}
void print_f32(void*, float) {}
void print_f64(void*, double) {}
void print_i32_f32(void*, uint32_t, float) {}
void print_f64_f64(void*, double, double) {}

engine::ExternType func(const char* sig) {
  engine::ExternType t;
  t.kind = engine::ExternKind::Func;
  t.signature = sig;
  return t;
}

engine::ExternType global(char type) {
  engine::ExternType t;
  t.kind = engine::ExternKind::Global;
  t.signature = std::string(1, type);
  return t;
}

}  // namespace

SpectestHost::SpectestHost() {
  // Allocation may trap (memory limit); do it inside a boundary like any instantiation.
  engine::guarded([&] {
    wasm_rt_allocate_memory(&memory_, 1, 2);
    wasm_rt_allocate_funcref_table(&table_, 10, 20);
  });
}

SpectestHost::~SpectestHost() {
  wasm_rt_free_memory(&memory_);
  wasm_rt_free_funcref_table(&table_);
}

bool SpectestHost::lookup(std::string_view name, SpectestExport& out) {
  auto fn = [&](auto f, const char* sig) {
    out.ptr = reinterpret_cast<void*>(f);
    out.type = func(sig);
    return true;
  };
  if (name == "print") return fn(&print_none, ">");
  if (name == "print_i32") return fn(&print_i32, "i>");
  if (name == "print_i64") return fn(&print_i64, "j>");
  if (name == "print_f32") return fn(&print_f32, "f>");
  if (name == "print_f64") return fn(&print_f64, "d>");
  if (name == "print_i32_f32") return fn(&print_i32_f32, "if>");
  if (name == "print_f64_f64") return fn(&print_f64_f64, "dd>");
  if (name == "global_i32") return out.ptr = &global_i32_, out.type = global('i'), true;
  if (name == "global_i64") return out.ptr = &global_i64_, out.type = global('j'), true;
  if (name == "global_f32") return out.ptr = &global_f32_, out.type = global('f'), true;
  if (name == "global_f64") return out.ptr = &global_f64_, out.type = global('d'), true;
  if (name == "memory") {
    out.ptr = &memory_;
    out.type.kind = engine::ExternKind::Memory;
    out.type.limits = {1, 2};
    return true;
  }
  if (name == "table") {
    out.ptr = &table_;
    out.type.kind = engine::ExternKind::Table;
    out.type.signature = "r";
    out.type.limits = {10, 20};
    return true;
  }
  return false;
}

}  // namespace wasmlet::spectest
