#ifndef ONIONOPS_CLIBGIT2_SHIM_H
#define ONIONOPS_CLIBGIT2_SHIM_H
#include <git2.h>
#endif
