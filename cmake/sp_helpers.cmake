# sp_add_library(<name> SRCS ... [DEPS ...] [TESTS ...])
# One static library per module; its *_test.cpp files join the single sp_unit_tests binary,
# which saves a link step per module on a 2-core machine.
function(sp_add_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SRCS;DEPS;TESTS")
  add_library(${name} STATIC ${arg_SRCS})
  target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}/src")
  target_link_libraries(${name} PUBLIC ${arg_DEPS} sp_build_flags)
  if(BUILD_TESTING AND arg_TESTS)
    target_sources(sp_unit_tests PRIVATE ${arg_TESTS})
    target_link_libraries(sp_unit_tests PRIVATE ${name})
  endif()
endfunction()

# sp_embed_files(<out.cpp> <namespace> FILES ...): turns a file into a C++ string_view constant at
# build time, so that the single binary carries its defaults (migrations, OpenAPI).
function(sp_embed_files out_cpp namespace)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "FILES")
  # The list travels joined by '|': a ';' would split the command line.
  string(REPLACE ";" "|" joined "${arg_FILES}")
  add_custom_command(
    OUTPUT "${out_cpp}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_cpp} -DNAMESPACE=${namespace} "-DFILES=${joined}"
            -P "${PROJECT_SOURCE_DIR}/cmake/embed.cmake"
    DEPENDS ${arg_FILES} "${PROJECT_SOURCE_DIR}/cmake/embed.cmake"
    COMMENT "Embedding ${namespace} files"
    VERBATIM)
endfunction()
