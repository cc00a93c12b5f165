# Third-party dependencies, all from Debian 12 packages (see README "Dependencies").
find_package(Threads REQUIRED)

# CAF 0.17.6 ships neither a CMake config nor a .pc file.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIB caf_core REQUIRED)
if(NOT TARGET CAF::core)
  add_library(CAF::core INTERFACE IMPORTED)
  set_target_properties(CAF::core PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${CAF_CORE_LIB};Threads::Threads")
endif()

# Boost 1.81: Beast, Asio and System are header-only.
find_package(Boost 1.81 CONFIG REQUIRED)

# hiredis 0.14: its CMake config is broken without a version, pkg-config works.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)

# jemalloc 5.3 (chatnode's allocator unless CHAT_JEMALLOC is OFF): links as plain malloc/free.
if(CHAT_JEMALLOC)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()

# RapidJSON: header-only, no target.
find_package(RapidJSON CONFIG REQUIRED)
if(NOT TARGET chat::rapidjson)
  add_library(chat::rapidjson INTERFACE IMPORTED)
  set_target_properties(chat::rapidjson PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${RAPIDJSON_INCLUDE_DIRS}"
    INTERFACE_COMPILE_DEFINITIONS "RAPIDJSON_HAS_STDSTRING=1")
endif()

# prometheus-cpp: core only (no civetweb exposer; /metrics is served by Beast).
find_package(prometheus-cpp CONFIG REQUIRED)

# libcrypt (bcrypt $2b$ through crypt_rn / crypt_gensalt_rn) and OpenSSL: libcrypto (SHA-256, CSPRNG)
# and libssl (TLS to https:// language-model backends, ai/tls_client).
find_library(CRYPT_LIB crypt REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto SSL)
