/* Replays every file of a corpus directory through LLVMFuzzerTestOneInput,
 * for compilers without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    DIR *d = opendir(argv[1]);
    int n = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
            FILE *f = fopen(path, "rb");
            if (!f)
                continue;
            uint8_t *buf = malloc(1 << 20);
            size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
            fclose(f);
            if (buf)
                LLVMFuzzerTestOneInput(buf, len);
            free(buf);
            n++;
        }
        closedir(d);
    }
    printf("replayed %d inputs\n", n);
    return 0;
}
