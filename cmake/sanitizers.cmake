# Build configurations beside the default one, chosen by one switch each (tests/run.sh sets them
# from HOTDESK_SANITIZE / HOTDESK_FUZZ):
#   -DHOTDESK_SANITIZE=address  ASan + UBSan (gcc or clang)
#   -DHOTDESK_SANITIZE=thread   TSan (suppressions for Debian's uninstrumented gRPC/abseil:
#                               tests/sanitizers/tsan.supp)
#   -DHOTDESK_FUZZ=ON           clang, libFuzzer instrumentation + ASan + UBSan everywhere; the
#                               fuzz targets in tests/fuzz link the libFuzzer driver
set(HOTDESK_SANITIZE "" CACHE STRING "sanitizer build: address (ASan+UBSan) | thread (TSan) | empty")
set_property(CACHE HOTDESK_SANITIZE PROPERTY STRINGS "" address thread)
option(HOTDESK_FUZZ "Build libFuzzer targets (needs clang)" OFF)

if(HOTDESK_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(HOTDESK_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT HOTDESK_SANITIZE STREQUAL "")
  message(FATAL_ERROR "HOTDESK_SANITIZE: expected address, thread or empty, got '${HOTDESK_SANITIZE}'")
endif()

if(HOTDESK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HOTDESK_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(NOT HOTDESK_SANITIZE STREQUAL "")
    message(FATAL_ERROR "HOTDESK_FUZZ brings its own sanitizers; leave HOTDESK_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# A sanitizer runtime and tcmalloc cannot both own malloc.
if(HOTDESK_FUZZ OR NOT HOTDESK_SANITIZE STREQUAL "")
  set(HOTDESK_SANITIZED ON)
else()
  set(HOTDESK_SANITIZED OFF)
endif()
