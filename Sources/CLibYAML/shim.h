#ifndef ONIONOPS_CLIBYAML_SHIM_H
#define ONIONOPS_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
