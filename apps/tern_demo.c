/* tern-demo: the main job until the LwM2M server exists. */
#include <stdio.h>

#include "tern/base.h"

int main(void)
{
    printf("tern 0.1.0 — the CoAP demo is being built.\n");
    return 0;
}
