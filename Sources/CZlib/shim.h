#ifndef SPIKEKIT_CZLIB_SHIM_H
#define SPIKEKIT_CZLIB_SHIM_H
#include <zlib.h>
#endif
