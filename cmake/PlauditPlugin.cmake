# plaudit_add_plugin(NAME SOURCES ... [LIBS ...] [OUTPUT_DIR dir])
# Builds a plugin shared object NAME.so that exports only its two boundary symbols.
function(plaudit_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${PLAUDIT_PLUGIN_DIR})
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE plaudit_sdk ${ARG_LIBS})
  target_compile_options(${name} PRIVATE ${PLAUDIT_WARNINGS})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
endfunction()
