# Every external dependency, in one place. Each comes from a Debian 12 package
# (named in the comment) that scripts/setup.sh installs.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)                    # libboost-dev (Asio, Beast: header-only)
find_package(OpenSSL REQUIRED)                       # libssl-dev
find_package(nlohmann_json 3.10 REQUIRED)            # nlohmann-json3-dev
find_package(tl-expected REQUIRED)                   # libexpected-dev
find_package(spdlog REQUIRED)                        # libspdlog-dev
find_package(fmt REQUIRED)                           # libfmt-dev
find_package(CLI11 REQUIRED)                         # libcli11-dev
find_package(yaml-cpp REQUIRED)                      # libyaml-cpp-dev
find_package(SQLite3 REQUIRED)                       # libsqlite3-dev
find_package(PostgreSQL REQUIRED)                    # libpq-dev
find_package(SOCI REQUIRED)                          # libsoci-dev (cmake/FindSOCI.cmake)
find_package(CURL REQUIRED)                          # libcurl4-openssl-dev (Docker Engine API)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)   # libsodium-dev
pkg_check_modules(JWT REQUIRED IMPORTED_TARGET libjwt)         # libjwt-dev
if(BUILD_TESTING)
  find_package(GTest REQUIRED)                       # libgtest-dev, libgmock-dev
endif()
