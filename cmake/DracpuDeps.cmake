# protobuf, yaml-cpp and glog for our libraries, as INTERFACE targets that let each *binary*
# choose how they are linked: a binary with the target property DRACPU_STATIC_DEPS set to ON links
# the static archives (Debian's -dev packages ship them), every other binary the shared libraries.
#
# Why: dracpu-nri has a resident-memory target of 8 MiB, and a shared library is resident by
# whole 64 KiB fault-around windows of code it barely runs (libprotobuf alone ~1.8 MiB, the
# binary's own code a fraction of that when linked statically). The driver and the tests keep the
# shared libraries: gRPC links libprotobuf.so, and two copies of protobuf in one process would
# register the same descriptors twice.
#
# $<TARGET_PROPERTY:DRACPU_STATIC_DEPS> in a usage requirement is evaluated on the target being
# linked, so the libraries in between (dracpu_common, the protos) need not know. Compile
# requirements (include folders, glog's GLOG_CUSTOM_PREFIX_SUPPORT) are the same either way.

find_library(DRACPU_PROTOBUF_ARCHIVE NAMES libprotobuf.a)
find_library(DRACPU_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a)
find_library(DRACPU_GLOG_ARCHIVE NAMES libglog.a)
find_library(DRACPU_GFLAGS_ARCHIVE NAMES libgflags.a)
find_library(DRACPU_Z_ARCHIVE NAMES libz.a)
# Debian's libunwind.a is not position-independent; glog's stack traces take the shared one.
find_library(DRACPU_UNWIND_LIBRARY NAMES unwind)

set(DRACPU_STATIC_DEPS_AVAILABLE OFF)
if(DRACPU_PROTOBUF_ARCHIVE AND DRACPU_YAML_CPP_ARCHIVE AND DRACPU_GLOG_ARCHIVE
   AND DRACPU_GFLAGS_ARCHIVE AND DRACPU_Z_ARCHIVE AND DRACPU_UNWIND_LIBRARY)
  set(DRACPU_STATIC_DEPS_AVAILABLE ON)
endif()

set(_dracpu_static "$<BOOL:$<TARGET_PROPERTY:DRACPU_STATIC_DEPS>>")
set(_dracpu_shared "$<NOT:${_dracpu_static}>")

# dracpu_dep(NAME IMPORTED_TARGET ARCHIVE...): NAME links IMPORTED_TARGET, or ARCHIVE... for a
# binary with DRACPU_STATIC_DEPS.
function(dracpu_dep name imported)
  add_library(${name} INTERFACE)
  target_include_directories(${name} INTERFACE
    $<TARGET_PROPERTY:${imported},INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_definitions(${name} INTERFACE
    $<TARGET_PROPERTY:${imported},INTERFACE_COMPILE_DEFINITIONS>)
  set(items "$<LINK_ONLY:$<${_dracpu_shared}:${imported}>>")
  foreach(archive ${ARGN})
    list(APPEND items "$<LINK_ONLY:$<${_dracpu_static}:${archive}>>")
  endforeach()
  target_link_libraries(${name} INTERFACE ${items})
endfunction()

dracpu_dep(dracpu_protobuf protobuf::libprotobuf ${DRACPU_PROTOBUF_ARCHIVE} ${DRACPU_Z_ARCHIVE}
           Threads::Threads)
dracpu_dep(dracpu_yaml_cpp yaml-cpp ${DRACPU_YAML_CPP_ARCHIVE})
dracpu_dep(dracpu_glog glog::glog ${DRACPU_GLOG_ARCHIVE} ${DRACPU_GFLAGS_ARCHIVE}
           ${DRACPU_UNWIND_LIBRARY} Threads::Threads)
