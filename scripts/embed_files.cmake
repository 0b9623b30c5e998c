# Turns DIR/*.EXT into a C array of {name, text} compiled into glassbox, so the
# shipped profiles and themes load from any directory. Parameters (-D): DIR,
# EXT, OUT, HEADER (included for the struct), TYPE (the struct), ARRAY.
file(GLOB files ${DIR}/*.${EXT})
list(SORT files)
get_filename_component(folder ${DIR} NAME)
set(body "/* generated from the ${folder} folder by scripts/embed_files.cmake */\n#include \"${HEADER}\"\nconst struct ${TYPE} ${ARRAY}[] = {\n")
foreach(f ${files})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND body "  {\"${name}\", (const char[]){${hex} 0}},\n")
endforeach()
string(APPEND body "  {0, 0}\n};\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
