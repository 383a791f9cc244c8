/* tern CLI — readable output: aligned tables, LwM2M values with their
 * registry names, types and units, result-code names. */
#ifndef TERN_CLI_PRINT_H
#define TERN_CLI_PRINT_H

#include <stdio.h>

#include "json.h"
#include "tern/model.h"

/* A table of text cells; every cell is copied. */
typedef struct cli_table {
    size_t ncols;
    size_t nrows;
    char **cells; /* row-major, nrows * ncols */
    int oom;
} cli_table;

void cli_table_init(cli_table *t, size_t ncols);
/* Adds one row of ncols cells (NULL prints as empty). */
void cli_table_row(cli_table *t, const char *const *cells);
/* Prints with two spaces between columns, the last one unpadded; headers may
 * be NULL. Every line starts with indent. */
void cli_table_print(const cli_table *t, FILE *f, const char *const *headers, const char *indent);
void cli_table_free(cli_table *t);

/* "Content" for "2.05"; NULL when unknown. */
const char *cli_code_name(const char *code);
/* The contract's type name ("float", ...) of a registry type, or NULL. */
const char *cli_type_word(tern_type t);
/* Formats epoch seconds (or ms when > 1e11) as "2024-01-02 03:04:05Z". */
void cli_fmt_time(double secs, char *out, size_t cap);

/* Prints a "values" array ([{"path","type"?,"value"}]) as a table of
 * path, resource name, value with unit, type. */
void cli_print_values(FILE *f, const tern_registry *reg, const cj_node *values, const char *indent);
/* Name of the object/resource a path string names, "" when unknown. */
const char *cli_path_name(const tern_registry *reg, const char *path);

#endif
