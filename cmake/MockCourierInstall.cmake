# Install rules, the exported CMake package (find_package(mock_courier CONFIG))
# and the Debian package (cpack -G DEB).
#
# The libraries' directories use plain relative `include` paths; here, without
# touching them, each exported target gets build/install include interfaces and
# a short export name (mock_courier_engine -> mock_courier::engine).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_mc_libraries
  mock_courier_engine:engine:${PROJECT_SOURCE_DIR}/engine/include
  mock_courier_api:api:${PROJECT_SOURCE_DIR}/mock_server/include
  mock_courier_server:server:${PROJECT_SOURCE_DIR}/mock_server/include
  mock_courier_reports:reports:${PROJECT_SOURCE_DIR}/reports/include
  mock_courier_conformance:conformance:${PROJECT_SOURCE_DIR}/conformance/include
  mock_courier_testing:testing:${PROJECT_SOURCE_DIR}/testkit/include)
set(_mc_targets mock_courier_warnings mock-courier courier-conformance)
foreach(entry IN LISTS _mc_libraries)
  string(REPLACE ":" ";" entry "${entry}")
  list(GET entry 0 target)
  list(GET entry 1 export_name)
  list(GET entry 2 include_dir)
  set_target_properties(${target} PROPERTIES
    EXPORT_NAME ${export_name}
    INTERFACE_INCLUDE_DIRECTORIES
      "$<BUILD_INTERFACE:${include_dir}>;$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
  list(APPEND _mc_targets ${target})
endforeach()
set_target_properties(mock_courier_warnings PROPERTIES EXPORT_NAME warnings)

# The binary under the same name whether the project is installed
# (mock_courier::mock-courier, imported) or added with add_subdirectory.
add_executable(mock_courier::mock-courier ALIAS mock-courier)
add_executable(mock_courier::courier-conformance ALIAS courier-conformance)

install(TARGETS ${_mc_targets}
  EXPORT mock_courierTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(dir engine/include mock_server/include reports/include conformance/include testkit/include)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
# Workspaces and scenarios, so an installed suite has something to run.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/fixtures/ DESTINATION ${CMAKE_INSTALL_DATADIR}/mock_courier/fixtures)

set(_mc_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/mock_courier)
install(EXPORT mock_courierTargets NAMESPACE mock_courier:: DESTINATION ${_mc_cmake_dir})
set(MOCK_COURIER_FIXTURES_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/mock_courier/fixtures)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mock_courierConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mock_courierConfig.cmake
  INSTALL_DESTINATION ${_mc_cmake_dir}
  PATH_VARS MOCK_COURIER_FIXTURES_INSTALL_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mock_courierConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mock_courierConfig.cmake
              ${PROJECT_BINARY_DIR}/mock_courierConfigVersion.cmake
  DESTINATION ${_mc_cmake_dir})

# cpack -G DEB: one package with the binaries, headers, libraries, CMake
# package and fixtures. Runtime dependencies come from dpkg-shlibdeps; the
# development packages find_package needs are Depends too, so that
# find_package(mock_courier) works right after `apt install ./mock-courier_*.deb`.
set(CPACK_PACKAGE_NAME mock-courier)
set(CPACK_PACKAGE_VENDOR "mock-courier")
set(CPACK_PACKAGE_CONTACT "mock-courier maintainers <mock-courier@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Local stand-in for the Courier notification API and the Segment pipeline")
set(CPACK_PACKAGE_INSTALL_DIRECTORY mock-courier)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)  # xz takes ~4x longer on the debug-info binaries
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libcpp-httplib-dev, nlohmann-json3-dev, libgtest-dev, libgmock-dev, libboost-dev, pkg-config")
include(CPack)
