// fork checks libsignet-pkcs11 across fork() and its PKCS#11 3.0 entry
// points: the parent signs, forks, and the child's calls return at once
// with errors (none enters the Go runtime, which did not follow the fork)
// while C_Finalize does nothing; the parent then signs again on its own
// connection. C_GetInterface and C_GetInterfaceList give the 2.40 function
// list. It prints one line per check and exits non-zero on a failure.
//
//	fork MODULE LABEL
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <p11-kit/pkcs11.h>

// CK_INTERFACE of PKCS#11 3.0 (p11-kit 0.24's header predates it).
typedef struct {
	CK_UTF8CHAR_PTR name;
	CK_VOID_PTR list;
	CK_FLAGS flags;
} interface;

static CK_FUNCTION_LIST_PTR f;

#define CHECK(what, got, want) check(what, (unsigned long)(got), (unsigned long)(want), __LINE__)

static void check(const char *what, unsigned long got, unsigned long want, int line) {
	if (got != want) {
		printf("FAIL line %d: %s: got 0x%lx, want 0x%lx\n", line, what, got, want);
		fflush(stdout);
		_exit(1);
	}
	printf("ok %s\n", what);
	fflush(stdout);
}

static CK_RV sign(CK_SESSION_HANDLE s, const char *label) {
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE key;
	CK_ULONG found = 0;
	CK_RV rv = f->C_FindObjectsInit(s, tmpl, 2);
	if (rv == CKR_OK)
		rv = f->C_FindObjects(s, &key, 1, &found);
	if (rv == CKR_OK)
		rv = f->C_FindObjectsFinal(s);
	if (rv != CKR_OK)
		return rv;
	if (found != 1)
		return CKR_KEY_HANDLE_INVALID;
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	unsigned char hash[32] = {1, 2, 3}, sig[256];
	CK_ULONG n = sizeof sig;
	if ((rv = f->C_SignInit(s, &mech, key)) != CKR_OK)
		return rv;
	return f->C_Sign(s, hash, sizeof hash, sig, &n);
}

int main(int argc, char **argv) {
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		printf("FAIL dlopen: %s\n", dlerror());
		return 1;
	}
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
	CK_RV (*getIf)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, interface **, CK_FLAGS) = dlsym(lib, "C_GetInterface");
	CK_RV (*listIf)(interface *, CK_ULONG_PTR) = dlsym(lib, "C_GetInterfaceList");
	CHECK("C_GetInterface exported", getIf != NULL && listIf != NULL, 1);
	CHECK("C_GetFunctionList", get(&f), CKR_OK);

	interface *in;
	CHECK("C_GetInterface(NULL)", getIf(NULL, NULL, &in, 0), CKR_OK);
	CHECK("its name", strcmp((char *)in->name, "PKCS 11"), 0);
	CHECK("its function list", in->list == (void *)f, 1);
	CHECK("its version 2.40", ((CK_FUNCTION_LIST_PTR)in->list)->version.minor, 40);
	CK_VERSION v3 = {3, 0}, v240 = {2, 40};
	CHECK("C_GetInterface(PKCS 11, 2.40)", getIf((CK_UTF8CHAR_PTR) "PKCS 11", &v240, &in, 0), CKR_OK);
	CHECK("C_GetInterface(PKCS 11, 3.0)", getIf((CK_UTF8CHAR_PTR) "PKCS 11", &v3, &in, 0), CKR_ARGUMENTS_BAD);
	CHECK("C_GetInterface(other)", getIf((CK_UTF8CHAR_PTR) "Vendor", NULL, &in, 0), CKR_ARGUMENTS_BAD);
	CHECK("C_GetInterface(fork-safe flag)", getIf(NULL, NULL, &in, 1), CKR_ARGUMENTS_BAD);
	CHECK("C_GetInterface(out NULL)", getIf(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
	interface ifs[2];
	CK_ULONG n = 0;
	CHECK("C_GetInterfaceList(NULL)", listIf(NULL, &n), CKR_OK);
	CHECK("one interface", n, 1);
	n = 0;
	CHECK("C_GetInterfaceList short", listIf(ifs, &n), CKR_BUFFER_TOO_SMALL);
	n = 2;
	CHECK("C_GetInterfaceList", listIf(ifs, &n), CKR_OK);
	CHECK("listed function list", ifs[0].list == (void *)f && n == 1, 1);

	CHECK("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	CK_SESSION_HANDLE s;
	CHECK("C_OpenSession", f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	CHECK("parent signs", sign(s, argv[2]), CKR_OK);

	pid_t pid = fork();
	if (pid == 0) {
		alarm(20); // a hang fails the test instead of blocking it
		CK_INFO info;
		CHECK("child C_GetInfo", f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
		CHECK("child signs", sign(s, argv[2]), CKR_CRYPTOKI_NOT_INITIALIZED);
		CHECK("child C_Finalize", f->C_Finalize(NULL), CKR_OK);
		CHECK("child C_Initialize", f->C_Initialize(NULL), CKR_FUNCTION_FAILED);
		_exit(0);
	}
	int status = 0;
	CHECK("waitpid", waitpid(pid, &status, 0), pid);
	CHECK("child exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0, 1);
	CHECK("parent signs after the fork", sign(s, argv[2]), CKR_OK);
	CHECK("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("done\n");
	return 0;
}
