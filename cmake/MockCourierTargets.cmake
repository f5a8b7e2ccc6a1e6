# Shared compile settings for every mock-courier target.
add_library(mock_courier_warnings INTERFACE)
target_compile_options(mock_courier_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(MOCK_COURIER_WERROR)
  target_compile_options(mock_courier_warnings INTERFACE -Werror)
endif()
if(MOCK_COURIER_SANITIZE)
  string(REPLACE ";" "," _mc_sanitizers "${MOCK_COURIER_SANITIZE}")
  target_compile_options(mock_courier_warnings INTERFACE
    -fsanitize=${_mc_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(mock_courier_warnings INTERFACE -fsanitize=${_mc_sanitizers})
endif()
if(MOCK_COURIER_FUZZ)
  # Coverage instrumentation for libFuzzer everywhere; only fuzz/ links its main.
  target_compile_options(mock_courier_warnings INTERFACE -fsanitize=fuzzer-no-link)
  target_link_options(mock_courier_warnings INTERFACE -fsanitize=fuzzer-no-link)
endif()

# mock_courier_add_test(NAME SOURCES... [LIBS ...])
# Builds a GoogleTest executable and registers each of its tests with CTest.
function(mock_courier_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gmock GTest::gtest_main mock_courier_warnings)
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300 LABELS gtest)
  mock_courier_register_gtest_program(${name})
endfunction()

# mock_courier_register_gtest_program(TARGET)
# Lists a GoogleTest program in <build>/gtest-programs.txt, so that a sanitizer
# build can run each program once instead of once per test (.ci/run); its
# tests carry the CTest label `gtest`, and `ctest -LE gtest` runs the rest.
function(mock_courier_register_gtest_program name)
  set_property(GLOBAL APPEND PROPERTY MOCK_COURIER_GTEST_PROGRAMS "$<TARGET_FILE:${name}>")
endfunction()

# Writes <build>/gtest-programs.txt; called once, after every subdirectory.
function(mock_courier_write_gtest_programs)
  get_property(programs GLOBAL PROPERTY MOCK_COURIER_GTEST_PROGRAMS)
  list(JOIN programs "\n" content)
  file(GENERATE OUTPUT "${PROJECT_BINARY_DIR}/gtest-programs.txt" CONTENT "${content}\n")
endfunction()
