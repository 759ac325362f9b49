# libFuzzer builds (FLEMSIM_FUZZ): every flemsim library is instrumented for coverage and
# built with AddressSanitizer and UBSan, so that the fuzz targets of tests/fuzz see both the
# paths they reach and the memory errors on them. Needs clang (Debian: clang and
# libclang-rt-14-dev for the libFuzzer runtime); a separate build folder, as with FLEMSIM_ASAN.
if(FLEMSIM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FLEMSIM_FUZZ needs clang: -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
  endif()
  if(FLEMSIM_ASAN OR FLEMSIM_TSAN)
    message(FATAL_ERROR "FLEMSIM_FUZZ brings its own sanitizers; leave FLEMSIM_ASAN and FLEMSIM_TSAN off")
  endif()
  target_compile_options(flemsim_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(flemsim_options INTERFACE -fsanitize=address,undefined)
endif()
