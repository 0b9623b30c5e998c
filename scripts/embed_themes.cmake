# Turns themes/*.theme into a C array of {name, text} compiled into glassbox,
# so the shipped themes load even when no themes directory is found.
file(GLOB files ${DIR}/*.theme)
list(SORT files)
set(body "/* generated from the themes folder by scripts/embed_themes.cmake */\n#include \"theme_builtin.h\"\nconst struct theme_builtin theme_builtins[] = {\n")
foreach(f ${files})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND body "  {\"${name}\", (const char[]){${hex} 0}},\n")
endforeach()
string(APPEND body "  {0, 0}\n};\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
