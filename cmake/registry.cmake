# The generated object definitions (src/model/gen/) must be current with the
# OMA registry XML and tools/registry_gen.py: unit_registry_current fails
# when they are not (docs/registry.md). `ninja regen-registry` rewrites them.
set(TERN_REGISTRY_DIR "${PROJECT_SOURCE_DIR}/../shared/lwm2m-registry" CACHE PATH
    "OMA lwm2m-registry checkout the standard object set is generated from")
find_program(TERN_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT TERN_PYTHON3)
  find_program(TERN_PYTHON3 NAMES python3)
endif()
if(TERN_PYTHON3)
  set(_gen ${PROJECT_SOURCE_DIR}/tools/registry_gen.py)
  set(_out ${PROJECT_SOURCE_DIR}/src/model/gen)
  add_test(NAME unit_registry_current
           COMMAND sh -c "test -d \"$1\" || { echo \"skip: no registry at $1\"; exit 77; }; exec \"$0\" \"$2\" --std \"$1\" --out \"$3\" --check"
                   ${TERN_PYTHON3} ${TERN_REGISTRY_DIR} ${_gen} ${_out})
  set_tests_properties(unit_registry_current PROPERTIES LABELS unit SKIP_RETURN_CODE 77 TIMEOUT 120)
  add_custom_target(regen-registry
                    COMMAND ${TERN_PYTHON3} ${_gen} --std ${TERN_REGISTRY_DIR} --out ${_out}
                    COMMENT "Regenerating src/model/gen from ${TERN_REGISTRY_DIR}" VERBATIM)
endif()

# The model vectors test exits 77 when ../shared/vectors is absent.
if(TEST unit_test_model_vectors)
  set_tests_properties(unit_test_model_vectors PROPERTIES SKIP_RETURN_CODE 77)
endif()
