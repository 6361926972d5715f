/* A <cpu> XML string as libvirt's daemon reads it: the text parsed (errors
 * as found in "(CPU_definition)"), optionally checked against cpu.rng,
 * then read as a CPU definition. */
#include "analyze/cpu.h"
#include "cpu/lverror.h"
#include <string.h>

DcCpuDef *dc_cpu_read(const char *xml, DcCpuType type, gboolean validate, gboolean at_line, GError **err)
{
    if (!xml) {
        dc_lv_error(err, DC_LV_INVALID_ARG, "missing CPU definition");
        return NULL;
    }
    g_autoptr(DcNode) node = dc_cpu_parse_xml_as(xml, strlen(xml), "(CPU_definition)", at_line, err);
    if (!node)
        return NULL;
    if (strcmp(node->name, "cpu") != 0) {
        dc_lv_error(err, DC_LV_XML_ERROR, "XML does not contain expected 'cpu' element");
        return NULL;
    }
    if (validate && !dc_cpu_validate(node, err))
        return NULL;
    return dc_cpu_def_parse(node, type, err);
}
