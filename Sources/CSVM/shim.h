// libsvm's C API (Debian's libsvm-dev installs it under libsvm/); kept here so that Fitting is the
// one place that sees libsvm types.
#ifndef DLSCALE_CSVM_SHIM_H
#define DLSCALE_CSVM_SHIM_H
#include <libsvm/svm.h>
#endif
