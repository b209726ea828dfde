// phases times the PKCS#11 calls of one signature in a fresh process, the
// way a signing tool makes them: load the module, C_Initialize, open a
// session (and log in when a PIN is given), find the private key by label,
// sign a SHA-256 DigestInfo with CKM_RSA_PKCS, C_Finalize. It prints one
// line of milliseconds per phase, or the failing call and its CK_RV.
//
//	phases MODULE LABEL [PIN]
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <p11-kit/pkcs11.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

#define CHECK(call) do { CK_RV rv = (call); if (rv != CKR_OK) { \
	fprintf(stderr, "%s: CK_RV 0x%lx\n", #call, (unsigned long)rv); return 1; } } while (0)

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: phases MODULE LABEL [PIN]\n");
		return 2;
	}
	double t0 = now();
	void *lib = dlopen(argv[1], RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	double t1 = now();
	CK_C_GetFunctionList getList = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
	CK_FUNCTION_LIST_PTR f;
	if (!getList) {
		fprintf(stderr, "no C_GetFunctionList\n");
		return 1;
	}
	CHECK(getList(&f));
	CHECK(f->C_Initialize(NULL));
	double t2 = now();
	CK_SLOT_ID slots[8];
	CK_ULONG nslots = 8;
	CHECK(f->C_GetSlotList(CK_TRUE, slots, &nslots));
	if (nslots == 0) {
		fprintf(stderr, "no token\n");
		return 1;
	}
	CK_SESSION_HANDLE s;
	CHECK(f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL, &s));
	if (argc > 3)
		CHECK(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)argv[3], strlen(argv[3])));
	double t3 = now();
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, argv[2], strlen(argv[2])}};
	CK_OBJECT_HANDLE key;
	CK_ULONG found = 0;
	CHECK(f->C_FindObjectsInit(s, tmpl, 2));
	CHECK(f->C_FindObjects(s, &key, 1, &found));
	CHECK(f->C_FindObjectsFinal(s));
	if (found != 1) {
		fprintf(stderr, "no private key labelled %s\n", argv[2]);
		return 1;
	}
	double t4 = now();
	unsigned char di[51] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
	CK_MECHANISM mech = {CKM_RSA_PKCS, NULL, 0};
	unsigned char sig[1024];
	CK_ULONG siglen = sizeof sig;
	CHECK(f->C_SignInit(s, &mech, key));
	CHECK(f->C_Sign(s, di, sizeof di, sig, &siglen));
	double t5 = now();
	CHECK(f->C_CloseSession(s));
	CHECK(f->C_Finalize(NULL));
	double t6 = now();
	printf("load %.3f initialize %.3f session %.3f find %.3f sign %.3f finalize %.3f total %.3f\n",
		t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t6 - t0);
	return 0;
}
