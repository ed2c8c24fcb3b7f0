// OpenBLAS's CBLAS header, plus the thread-count controls it declares only in its own
// extension section; kept here so that Kernels is the one place that sees BLAS types.
#ifndef DLSCALE_CBLAS_SHIM_H
#define DLSCALE_CBLAS_SHIM_H
#include <cblas.h>
#endif
