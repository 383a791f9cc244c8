# Warnings are errors everywhere (STYLE.md habit 11).
set(TERN_WARNINGS
  -Wall -Wextra -Werror -Wshadow -Wconversion -Wsign-conversion -Wvla
  -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wcast-qual
  -Wformat=2 -Wundef -Wwrite-strings -Wdouble-promotion -Wimplicit-fallthrough)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  list(APPEND TERN_WARNINGS -Wlogical-op -Wduplicated-cond -Wduplicated-branches)
endif()
# Tests and tools: the same, minus the prototypes rule for test functions.
set(TERN_TEST_WARNINGS -Wall -Wextra -Werror -Wshadow -Wvla -Wstrict-prototypes -Wformat=2)
