# Every third-party dependency is found here, once. All come from Debian 12 packages
# (scripts/setup.sh installs them).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS graph)
find_package(TBB REQUIRED)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(GDAL REQUIRED)
find_package(PROJ CONFIG REQUIRED)
find_package(ZLIB REQUIRED)
# libdeflate (Debian's libdeflate-dev): the trip log's large tables are compressed by it, in
# zlib's format (which HDF5's deflate filter reads), about 1.7 times faster than zlib at the same
# level and a little smaller. Debian 12's 1.14 ships a pkg-config file, no CMake package.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE "${CLI11_INCLUDE_DIR}")
endif()
find_package(doctest QUIET)
if(NOT doctest_FOUND)
  find_path(DOCTEST_INCLUDE_DIR doctest/doctest.h REQUIRED)
  add_library(doctest::doctest INTERFACE IMPORTED)
  target_include_directories(doctest::doctest INTERFACE "${DOCTEST_INCLUDE_DIR}")
endif()

# HDF5 as one imported target, whatever FindHDF5 version provides.
if(NOT TARGET flemsim_hdf5)
  add_library(flemsim_hdf5 INTERFACE)
  target_include_directories(flemsim_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
  target_link_libraries(flemsim_hdf5 INTERFACE ${HDF5_C_LIBRARIES} ${HDF5_LIBRARIES})
  target_compile_definitions(flemsim_hdf5 INTERFACE ${HDF5_C_DEFINITIONS} ${HDF5_DEFINITIONS})
endif()

# Python for analysis/ and its checks: Debian's interpreter first, since python3-h5py and
# python3-pandas are installed for it (another python3 earlier on PATH may lack them).
find_program(FLEMSIM_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT FLEMSIM_PYTHON)
  find_program(FLEMSIM_PYTHON NAMES python3 REQUIRED)
endif()

# Optional: OpenMPI for sweeps across machines (flemsim sweep under mpirun).
find_package(MPI COMPONENTS C QUIET)
