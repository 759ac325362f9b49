# Common settings of every flemsim target: warnings, sanitizers, include root.
add_library(flemsim_options INTERFACE)
target_compile_options(flemsim_options INTERFACE -Wall -Wextra -Wpedantic)
# Only our targets link flemsim_options; third-party headers come in as SYSTEM includes.
if(FLEMSIM_WERROR)
  target_compile_options(flemsim_options INTERFACE -Werror)
endif()
# GCC 12 reports false -Wrestrict warnings inside std::string concatenation
# (https://gcc.gnu.org/bugzilla/show_bug.cgi?id=105651).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(flemsim_options INTERFACE -Wno-restrict)
endif()
target_include_directories(flemsim_options INTERFACE "${PROJECT_SOURCE_DIR}")
if(FLEMSIM_ASAN)
  target_compile_options(flemsim_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(flemsim_options INTERFACE -fsanitize=address,undefined)
endif()
if(FLEMSIM_TSAN)
  target_compile_options(flemsim_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(flemsim_options INTERFACE -fsanitize=thread)
endif()

# flemsim_module(name SOURCES ... DEPS ...): library flemsim_<name>, alias flemsim::<name>.
function(flemsim_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(flemsim_${name} STATIC ${ARG_SOURCES})
  add_library(flemsim::${name} ALIAS flemsim_${name})
  target_link_libraries(flemsim_${name} PUBLIC flemsim_options ${ARG_DEPS})
endfunction()
