# hotdesk_embed_lua(<target> <dir>): compiles every <dir>/*.lua into <target> as a string
# constant kLua_<file name> (script names are unique across the tree). The scripts are composed
# with the one prelude at run time (services/store/redis/lua_script.h).
set(HOTDESK_EMBED_LUA_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_lua.cmake)
function(hotdesk_embed_lua target dir)
  file(GLOB lua_files CONFIGURE_DEPENDS ${dir}/*.lua)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_lua.cc)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DDIR=${dir} -P ${HOTDESK_EMBED_LUA_SCRIPT}
    DEPENDS ${lua_files} ${HOTDESK_EMBED_LUA_SCRIPT}
    COMMENT "embedding Lua scripts of ${target}")
  target_sources(${target} PRIVATE ${out})
endfunction()
