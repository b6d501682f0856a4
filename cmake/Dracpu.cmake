# Helpers shared by every folder's CMakeLists.txt.

# dracpu_proto_library(NAME PROTOS a.proto ... [GRPC] [DEPS lib ...])
# Generates C++ (and gRPC stubs with GRPC) from proto/ files at build time; the generated code is
# never committed. Includes are rooted at the source tree: #include "proto/foo.pb.h".
function(dracpu_proto_library name)
  cmake_parse_arguments(ARG "GRPC" "" "PROTOS;DEPS" ${ARGN})
  set(out_dir "${PROJECT_BINARY_DIR}")
  set(srcs)
  foreach(proto ${ARG_PROTOS})
    get_filename_component(abs "${proto}" ABSOLUTE)
    file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${abs}")
    string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
    set(outputs "${out_dir}/${stem}.pb.cc" "${out_dir}/${stem}.pb.h")
    set(args --cpp_out=${out_dir} -I${PROJECT_SOURCE_DIR})
    if(ARG_GRPC)
      list(APPEND outputs "${out_dir}/${stem}.grpc.pb.cc" "${out_dir}/${stem}.grpc.pb.h")
      list(APPEND args --grpc_out=${out_dir}
           --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc ${args} "${abs}"
      DEPENDS "${abs}" protobuf::protoc
      COMMENT "protoc ${rel}"
      VERBATIM)
    list(APPEND srcs ${outputs})
  endforeach()
  add_library(${name} STATIC ${srcs})
  # Generated code is not ours to warn about.
  target_compile_options(${name} PRIVATE -w)
  target_include_directories(${name} PUBLIC "${out_dir}")
  target_link_libraries(${name} PUBLIC dracpu_protobuf ${ARG_DEPS})
  if(ARG_GRPC)
    target_link_libraries(${name} PUBLIC gRPC::grpc++)
  endif()
endfunction()

# dracpu_catch_test(NAME SOURCES a_test.cc ... LIBS lib ... [LABELS unit|e2e ...])
# One Catch2 binary; each TEST_CASE becomes its own CTest test carrying the labels, so
# `ctest -L unit` selects the pure unit tests (the set run under ASan/UBSan).
function(dracpu_catch_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE Catch2::Catch2WithMain ${ARG_LIBS})
  target_compile_definitions(${name} PRIVATE
    DRACPU_SHARED_DIR="${DRACPU_SHARED_DIR}"
    DRACPU_BINARY_DIR="${PROJECT_BINARY_DIR}"
    DRACPU_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # --warn NoTests: a name CTest mangles (a ";" splits it) must fail, not pass having run nothing.
  catch_discover_tests(${name} EXTRA_ARGS --warn NoTests PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 600)
endfunction()
