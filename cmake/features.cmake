# Build-time feature switches (STYLE.md habit 8). They change which code is
# compiled, never the layout of a public struct.
if(TERN_FEATURES STREQUAL "minimal")
  set(_full 0)
elseif(TERN_FEATURES STREQUAL "full")
  set(_full 1)
else()
  message(FATAL_ERROR "TERN_FEATURES must be full or minimal, not '${TERN_FEATURES}'")
endif()
option(TERN_WITH_LOG "Compile the log hook calls (off for footprint builds)" ON)
if(TERN_WITH_LOG AND _full)
  set(_log 1)
else()
  set(_log 0)
endif()
set(TERN_FEATURE_DEFS
  TERN_WITH_LOG=${_log}
  TERN_WITH_BLOCK=${_full}
  TERN_WITH_OBSERVE=${_full}
  TERN_WITH_TCP=${_full}
  TERN_WITH_SENML_JSON=${_full}
  TERN_WITH_SENML_CBOR=${_full}
  TERN_WITH_LWM2M_CBOR=${_full}
  TERN_WITH_CBOR=${_full}
  TERN_WITH_OMA_JSON=${_full}
  TERN_WITH_TLV=1
  TERN_WITH_TEXT=1
  TERN_WITH_OPAQUE=1)
