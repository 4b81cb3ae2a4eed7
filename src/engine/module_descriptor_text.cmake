# Sets ${out_var} to a generated C++ source defining module_descriptor_source(): the text of
# module_descriptor.h, which the code generator pastes into every module. CMake re-runs when the
# header changes. Used by the engine library and by the fuzz project, which compiles codegen.
function(wasmlet_module_descriptor_source out_var)
  set(dir ${CMAKE_CURRENT_FUNCTION_LIST_DIR})
  file(READ ${dir}/module_descriptor.h DESCRIPTOR_TEXT)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${dir}/module_descriptor.h)
  set(source ${CMAKE_CURRENT_BINARY_DIR}/generated/engine/module_descriptor_text.cpp)
  configure_file(${dir}/module_descriptor_text.cpp.in ${source} @ONLY)
  set(${out_var} ${source} PARENT_SCOPE)
endfunction()
