# Compiles through ccache when it is installed, so that a fresh checkout (CI's) recompiles only
# what changed since any earlier build on this machine instead of everything (an hour on two
# cores, the sanitized and fuzzing builds included). Paths are hashed relative to the source
# tree and the working directory not at all, so clones at other paths share the cache.
# Include with WASMLET_SOURCE_DIR set to the repository's root.
option(WASMLET_CCACHE "Compile through ccache when it is installed" ON)
if(WASMLET_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(WASMLET_CCACHE_EXE ccache)
  if(WASMLET_CCACHE_EXE)
    set(launcher ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${WASMLET_SOURCE_DIR}
                 CCACHE_NOHASHDIR=true ${WASMLET_CCACHE_EXE})
    set(CMAKE_C_COMPILER_LAUNCHER ${launcher})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${launcher})
  endif()
endif()
