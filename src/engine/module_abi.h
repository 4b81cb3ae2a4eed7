#pragma once
// The engine's view of the module descriptor (module_descriptor.h), which generated code fills
// and the engine reads after dlopen.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

extern "C" {
#include "engine/module_descriptor.h"
}

namespace wasmlet::engine {

inline constexpr uint32_t kAbiVersion = WASMLET_ABI_VERSION;

enum class ExternKind : uint32_t {
  Func = WASMLET_EXTERN_FUNC,
  Table = WASMLET_EXTERN_TABLE,
  Memory = WASMLET_EXTERN_MEMORY,
  Global = WASMLET_EXTERN_GLOBAL
};

using ExportThunk = wasmlet_export_thunk;
using ExportGetter = wasmlet_export_getter;
using AbiExport = wasmlet_export;
using AbiModule = wasmlet_module;

// What the loader relies on before it trusts anything else in a descriptor.
static_assert(std::is_standard_layout_v<AbiModule> && std::is_standard_layout_v<AbiExport>);
static_assert(offsetof(AbiModule, abi_version) == 0, "the version must be readable first");
static_assert(std::is_same_v<decltype(AbiModule::abi_version), uint32_t>);

// The text of module_descriptor.h, which the code generator pastes into every module.
std::string_view module_descriptor_source();

}  // namespace wasmlet::engine
