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
  set(HOTDESK_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
                              -fno-sanitize-recover=undefined)
  add_compile_options(${HOTDESK_SANITIZER_FLAGS})
  add_link_options(-fsanitize=address,undefined)
elseif(HOTDESK_SANITIZE STREQUAL "thread")
  set(HOTDESK_SANITIZER_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
  add_compile_options(${HOTDESK_SANITIZER_FLAGS})
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
  # -O1 with line tables only: reports keep function names, files and lines, and the build
  # costs half of -O2 -g (services/server/server.cc under ASan: 29.8 s of CPU instead of 61.3 s).
  set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG")
else()
  set(HOTDESK_SANITIZED OFF)
endif()

# hotdesk_uninstrumented(): under ASan the calling folder is compiled as the default build
# compiles it (no sanitizer flags, its -O2 -g), like the Debian libraries it sits on. For generated
# code only (the protobuf/gRPC stubs): its objects are then the default build's, taken from the
# compiler cache. Not under TSan: protobuf's headers add a member to every message there
# (PROTOBUF_TSAN), so instrumented and uninstrumented code would disagree on the layout.
macro(hotdesk_uninstrumented)
  if(HOTDESK_SANITIZE STREQUAL "address")
    unset(CMAKE_CXX_FLAGS_RELWITHDEBINFO)  # the cache's value: the default one
    get_property(_hotdesk_options DIRECTORY PROPERTY COMPILE_OPTIONS)
    list(REMOVE_ITEM _hotdesk_options ${HOTDESK_SANITIZER_FLAGS})
    set_property(DIRECTORY PROPERTY COMPILE_OPTIONS ${_hotdesk_options})
  endif()
endmacro()
