# Included by the top-level CMakeLists.txt before any target: decides EF21SIM_BUILD_FUZZERS and,
# when it is ON, instruments the whole build directory for tests/fuzz (README: Fuzzing).
#
# A fuzz build directory is configured with clang (CC=clang CXX=clang++). Every target in it is
# compiled with AddressSanitizer, UndefinedBehaviorSanitizer (no recovery: a report aborts) and
# libFuzzer's coverage instrumentation, so the fuzz targets see into the project's code and the
# unit tests of that directory run sanitized too (the CI's sanitizer suite). A plain clang build
# passes -DEF21SIM_BUILD_FUZZERS=OFF. With g++ (the default build) the targets are skipped, saying why.
include(CheckCXXSourceCompiles)

set(EF21SIM_FUZZ_SKIP_REASON "")
set(fuzz_default OFF)
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  string(CONCAT EF21SIM_FUZZ_SKIP_REASON "the C++ compiler is ${CMAKE_CXX_COMPILER_ID} and libFuzzer needs clang; "
                "configure another build directory with CC=clang CXX=clang++ (README: Fuzzing)")
else()
  set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer,address,undefined")
  check_cxx_source_compiles(
    "#include <cstddef>\n#include <cstdint>\nextern \"C\" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }"
    EF21SIM_LIBFUZZER_LINKS)
  unset(CMAKE_REQUIRED_FLAGS)
  if(EF21SIM_LIBFUZZER_LINKS)
    set(fuzz_default ON)
  else()
    set(EF21SIM_FUZZ_SKIP_REASON "clang cannot link -fsanitize=fuzzer (tools/setup.sh installs libclang-rt-dev)")
  endif()
endif()
option(EF21SIM_BUILD_FUZZERS "Build tests/fuzz and instrument this build for them (clang with libFuzzer)"
       ${fuzz_default})

if(NOT EF21SIM_BUILD_FUZZERS)
  if(EF21SIM_FUZZ_SKIP_REASON)
    message(STATUS "Fuzz targets skipped: ${EF21SIM_FUZZ_SKIP_REASON}")
  else()
    message(STATUS "Fuzz targets skipped: EF21SIM_BUILD_FUZZERS is OFF")
  endif()
elseif(EF21SIM_FUZZ_SKIP_REASON)
  message(FATAL_ERROR "EF21SIM_BUILD_FUZZERS is ON, but ${EF21SIM_FUZZ_SKIP_REASON}")
else()
  message(STATUS "Fuzz targets on: every target is built with ASan, UBSan and libFuzzer coverage")
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
