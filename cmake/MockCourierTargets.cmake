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
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
