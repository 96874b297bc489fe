# Script mode (cmake -P): writes every ${DIR}/*.lua file into one C++ source ${OUT} as a raw
# string constant kLua_<name>. Called by hotdesk_embed_lua() (HotdeskLua.cmake).
file(GLOB files ${DIR}/*.lua)
list(SORT files)
set(out "// Generated from ${DIR}/*.lua by embed_lua.cmake. Do not edit.\n")
foreach(f ${files})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} body)
  string(APPEND out "extern const char kLua_${name}[];\nconst char kLua_${name}[] = R\"LUA(${body})LUA\";\n")
endforeach()
file(WRITE ${OUT}.tmp "${out}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
