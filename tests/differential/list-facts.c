/* Print the facts domcaps' value table reads (caps/tables.c), one a line,
 * in the stand-in's syntax (standin.py): the QEMU answers the differential
 * test deletes one at a time. Property keys of either kind are "prop:". */
#include "caps/caps.h"
#include <stdio.h>

int main(void)
{
    for (const char *const *q = dc_caps_questions(); *q; q++) {
        const char *key = *q;
        if (g_str_has_prefix(key, "object-prop:"))
            printf("prop:%s\n", key + strlen("object-prop:"));
        else if (g_str_has_prefix(key, "device-prop:"))
            printf("prop:%s\n", key + strlen("device-prop:"));
        else
            printf("%s\n", key);
    }
    return 0;
}
