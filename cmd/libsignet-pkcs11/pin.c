// Keep the module loaded for the life of the process. A Go runtime cannot
// be unloaded: its threads would run on in unmapped code. Programs such as
// OpenSSL's pkcs11-provider dlclose their modules at exit, so at load time
// the library reopens itself with RTLD_NODELETE, the runtime equivalent of
// linking with -z nodelete (a flag cgo does not allow).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

__attribute__((constructor)) static void signet_pin_library(void) {
	Dl_info info;
	if (dladdr((void *)signet_pin_library, &info) && info.dli_fname != NULL)
		dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}
