// abi exercises the C side of libsignet-pkcs11 the way hosts do: dlopen,
// C_GetFunctionList, calls before C_Initialize, NULL buffers with leftover
// lengths (Java's SunPKCS11), short buffers, and C_Finalize from an atexit
// handler after dlclose (OpenSSL's pkcs11-provider). It prints one line per
// check and exits non-zero on the first failure.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE sess;

#define CHECK(what, got, want) check(what, (unsigned long)(got), (unsigned long)(want), __LINE__)

static void check(const char *what, unsigned long got, unsigned long want, int line) {
	if (got != want) {
		printf("FAIL line %d: %s: got 0x%lx, want 0x%lx\n", line, what, got, want);
		exit(1);
	}
	printf("ok %s\n", what);
}

static void finalize_at_exit(void) {
	CK_RV rv = f->C_CloseSession(sess);
	printf("atexit C_CloseSession 0x%lx\n", rv);
	rv = f->C_Finalize(NULL);
	printf("atexit C_Finalize 0x%lx\n", rv);
}

int main(int argc, char **argv) {
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		printf("FAIL dlopen: %s\n", dlerror());
		return 1;
	}
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
	CHECK("C_GetFunctionList(NULL)", get(NULL), CKR_ARGUMENTS_BAD);
	CHECK("C_GetFunctionList", get(&f), CKR_OK);
	CHECK("version", f->version.major * 100 + f->version.minor, 240);

	CK_INFO info;
	CHECK("C_GetInfo before C_Initialize", f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	CK_C_INITIALIZE_ARGS args = {0};
	args.flags = CKF_OS_LOCKING_OK;
	CHECK("C_Initialize", f->C_Initialize(&args), CKR_OK);
	CHECK("C_Initialize again", f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	CHECK("C_GetInfo", f->C_GetInfo(&info), CKR_OK);
	CHECK("manufacturer padded", memcmp(info.manufacturerID, "Signet                          ", 32), 0);

	CK_ULONG n = 0;
	CHECK("C_GetSlotList count", f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
	CHECK("one slot", n, 1);
	CK_SLOT_ID slot = 99;
	CHECK("C_GetSlotList", f->C_GetSlotList(CK_TRUE, &slot, &n), CKR_OK);
	CK_MECHANISM_TYPE mechs[2];
	n = 2;
	CHECK("C_GetMechanismList short", f->C_GetMechanismList(slot, mechs, &n), CKR_BUFFER_TOO_SMALL);
	CHECK("mechanism count", n, 13);
	CK_TOKEN_INFO ti;
	CHECK("C_GetTokenInfo", f->C_GetTokenInfo(slot, &ti), CKR_OK);
	CHECK("token label", memcmp(ti.label, "signet ", 7), 0);
	CHECK("C_OpenSession", f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &sess), CKR_OK);
	CHECK("C_Login any PIN", f->C_Login(sess, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK);

	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, "ec-key", 6}};
	CHECK("C_FindObjectsInit", f->C_FindObjectsInit(sess, tmpl, 2), CKR_OK);
	CK_OBJECT_HANDLE key = 0;
	CHECK("C_FindObjects", f->C_FindObjects(sess, &key, 1, &n), CKR_OK);
	CHECK("found the key", n, 1);
	CHECK("C_FindObjectsFinal", f->C_FindObjectsFinal(sess), CKR_OK);

	// Java passes NULL pValue with whatever length was left in the struct.
	CK_ATTRIBUTE q[] = {{CKA_EC_POINT, NULL, 0x7fffffff}, {CKA_LABEL, NULL, 12345}, {CKA_VALUE, NULL, 3}};
	CHECK("C_GetAttributeValue NULL buffers", f->C_GetAttributeValue(sess, key, q, 3), CKR_ATTRIBUTE_SENSITIVE);
	CHECK("EC point length", q[0].ulValueLen, 67);
	CHECK("label length", q[1].ulValueLen, 6);
	CHECK("sensitive value", q[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	char small[3];
	CK_ATTRIBUTE s[] = {{CKA_LABEL, small, sizeof small}};
	CHECK("C_GetAttributeValue short buffer", f->C_GetAttributeValue(sess, key, s, 1), CKR_BUFFER_TOO_SMALL);
	CHECK("short buffer length", s[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	CHECK("C_GetAttributeValue NULL template", f->C_GetAttributeValue(sess, key, NULL, 1), CKR_ARGUMENTS_BAD);

	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	unsigned char hash[32] = {1, 2, 3};
	unsigned char sig[64];
	CK_ULONG siglen = 0;
	CHECK("C_SignInit", f->C_SignInit(sess, &mech, key), CKR_OK);
	CHECK("C_Sign length query", f->C_Sign(sess, hash, 32, NULL, &siglen), CKR_OK);
	CHECK("signature length", siglen, 64);
	siglen = 10;
	CHECK("C_Sign short buffer", f->C_Sign(sess, hash, 32, sig, &siglen), CKR_BUFFER_TOO_SMALL);
	CHECK("length after short buffer", siglen, 64);
	siglen = sizeof sig;
	CHECK("C_Sign", f->C_Sign(sess, hash, 32, sig, &siglen), CKR_OK);
	CHECK("C_Sign after the end", f->C_Sign(sess, hash, 32, sig, &siglen), CKR_OPERATION_NOT_INITIALIZED);
	CHECK("C_Sign NULL length", f->C_Sign(sess, hash, 32, sig, NULL), CKR_ARGUMENTS_BAD);
	CHECK("unsupported C_Encrypt", f->C_Encrypt(sess, hash, 32, sig, &siglen), CKR_FUNCTION_NOT_SUPPORTED);

	// Like OpenSSL's providers: clean up from an exit handler, after the
	// library was dlclosed.
	atexit(finalize_at_exit);
	dlclose(lib);
	printf("done\n");
	return 0;
}
