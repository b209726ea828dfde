// The PKCS#11 function list of libsignet-pkcs11. The supported functions
// are exported from Go (see the .go files) and reached through the guards
// below; the others are defined here and return CKR_FUNCTION_NOT_SUPPORTED:
// the token creates, changes and decrypts nothing.
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <p11-kit/pkcs11.h>

#define UNSUPPORTED return CKR_FUNCTION_NOT_SUPPORTED

CK_RV C_InitToken(CK_SLOT_ID s, CK_UTF8CHAR_PTR p, CK_ULONG n, CK_UTF8CHAR_PTR l) { UNSUPPORTED; }
CK_RV C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR p, CK_ULONG n) { UNSUPPORTED; }
CK_RV C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR o, CK_ULONG on, CK_UTF8CHAR_PTR n, CK_ULONG nn) { UNSUPPORTED; }
CK_RV C_GetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG_PTR n) { UNSUPPORTED; }
CK_RV C_SetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n, CK_OBJECT_HANDLE e, CK_OBJECT_HANDLE a) { UNSUPPORTED; }
CK_RV C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o) { UNSUPPORTED; }
CK_RV C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR no) { UNSUPPORTED; }
CK_RV C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o) { UNSUPPORTED; }
CK_RV C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n) { UNSUPPORTED; }
CK_RV C_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { UNSUPPORTED; }
CK_RV C_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_EncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_EncryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_DecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { UNSUPPORTED; }
CK_RV C_Decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_DecryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_DecryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m) { UNSUPPORTED; }
CK_RV C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n) { UNSUPPORTED; }
CK_RV C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k) { UNSUPPORTED; }
CK_RV C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_SignRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { UNSUPPORTED; }
CK_RV C_SignRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { UNSUPPORTED; }
CK_RV C_VerifyRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR k) { UNSUPPORTED; }
CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt, CK_ULONG pn, CK_ATTRIBUTE_PTR vt,
			CK_ULONG vn, CK_OBJECT_HANDLE_PTR pk, CK_OBJECT_HANDLE_PTR vk) { UNSUPPORTED; }
CK_RV C_WrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE w, CK_OBJECT_HANDLE k, CK_BYTE_PTR o, CK_ULONG_PTR on) { UNSUPPORTED; }
CK_RV C_UnwrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE u, CK_BYTE_PTR w, CK_ULONG wn, CK_ATTRIBUTE_PTR t,
		  CK_ULONG n, CK_OBJECT_HANDLE_PTR k) { UNSUPPORTED; }
CK_RV C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR k) { UNSUPPORTED; }
CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG n) { UNSUPPORTED; }
CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG n) { UNSUPPORTED; }
CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE h) { return CKR_FUNCTION_NOT_PARALLEL; }
CK_RV C_CancelFunction(CK_SESSION_HANDLE h) { return CKR_FUNCTION_NOT_PARALLEL; }
CK_RV C_WaitForSlotEvent(CK_FLAGS f, CK_SLOT_ID_PTR s, CK_VOID_PTR r) { UNSUPPORTED; }

// A child of fork() has a copy of the module's memory but not the Go
// runtime's threads: a call into Go there can hang for good (and would
// share the parent's TLS connections). So in a child every call stops here:
// C_Finalize does nothing, C_Initialize fails, the rest answer as for a
// module that is not initialized. fork() followed by exec() is unaffected.
static volatile sig_atomic_t forked;

static void on_fork_child(void) { forked = 1; }

__attribute__((constructor)) static void watch_fork(void) { pthread_atfork(NULL, NULL, on_fork_child); }

#define GUARD(name, params, args) \
	static CK_RV guarded_##name params { return forked ? CKR_CRYPTOKI_NOT_INITIALIZED : name args; }

static CK_RV guarded_C_Initialize(CK_VOID_PTR a) { return forked ? CKR_FUNCTION_FAILED : C_Initialize(a); }
static CK_RV guarded_C_Finalize(CK_VOID_PTR a) { return forked ? CKR_OK : C_Finalize(a); }
GUARD(C_GetInfo, (CK_INFO_PTR i), (i))
GUARD(C_GetSlotList, (CK_BBOOL p, CK_SLOT_ID_PTR l, CK_ULONG_PTR n), (p, l, n))
GUARD(C_GetSlotInfo, (CK_SLOT_ID s, CK_SLOT_INFO_PTR i), (s, i))
GUARD(C_GetTokenInfo, (CK_SLOT_ID s, CK_TOKEN_INFO_PTR i), (s, i))
GUARD(C_GetMechanismList, (CK_SLOT_ID s, CK_MECHANISM_TYPE_PTR l, CK_ULONG_PTR n), (s, l, n))
GUARD(C_GetMechanismInfo, (CK_SLOT_ID s, CK_MECHANISM_TYPE t, CK_MECHANISM_INFO_PTR i), (s, t, i))
GUARD(C_OpenSession, (CK_SLOT_ID s, CK_FLAGS f, CK_VOID_PTR a, CK_NOTIFY n, CK_SESSION_HANDLE_PTR h), (s, f, a, n, h))
GUARD(C_CloseSession, (CK_SESSION_HANDLE h), (h))
GUARD(C_CloseAllSessions, (CK_SLOT_ID s), (s))
GUARD(C_GetSessionInfo, (CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR i), (h, i))
GUARD(C_Login, (CK_SESSION_HANDLE h, CK_USER_TYPE u, CK_UTF8CHAR_PTR p, CK_ULONG n), (h, u, p, n))
GUARD(C_Logout, (CK_SESSION_HANDLE h), (h))
GUARD(C_GetObjectSize, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ULONG_PTR n), (h, o, n))
GUARD(C_GetAttributeValue, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n), (h, o, t, n))
GUARD(C_FindObjectsInit, (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n), (h, t, n))
GUARD(C_FindObjects, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR o, CK_ULONG m, CK_ULONG_PTR n), (h, o, m, n))
GUARD(C_FindObjectsFinal, (CK_SESSION_HANDLE h), (h))
GUARD(C_SignInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (h, m, k))
GUARD(C_Sign, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR s, CK_ULONG_PTR sn), (h, d, n, s, sn))
GUARD(C_SignUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n), (h, d, n))
GUARD(C_SignFinal, (CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG_PTR sn), (h, s, sn))
GUARD(C_VerifyInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (h, m, k))
GUARD(C_Verify, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR s, CK_ULONG sn), (h, d, n, s, sn))
GUARD(C_VerifyUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n), (h, d, n))
GUARD(C_VerifyFinal, (CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG n), (h, s, n))

static CK_FUNCTION_LIST function_list = {
	{2, 40},
	guarded_C_Initialize, guarded_C_Finalize, guarded_C_GetInfo, C_GetFunctionList, guarded_C_GetSlotList,
	guarded_C_GetSlotInfo, guarded_C_GetTokenInfo, guarded_C_GetMechanismList, guarded_C_GetMechanismInfo,
	C_InitToken, C_InitPIN, C_SetPIN, guarded_C_OpenSession, guarded_C_CloseSession, guarded_C_CloseAllSessions,
	guarded_C_GetSessionInfo, C_GetOperationState, C_SetOperationState, guarded_C_Login, guarded_C_Logout,
	C_CreateObject, C_CopyObject, C_DestroyObject, guarded_C_GetObjectSize, guarded_C_GetAttributeValue,
	C_SetAttributeValue, guarded_C_FindObjectsInit, guarded_C_FindObjects, guarded_C_FindObjectsFinal,
	C_EncryptInit, C_Encrypt, C_EncryptUpdate, C_EncryptFinal, C_DecryptInit, C_Decrypt, C_DecryptUpdate,
	C_DecryptFinal, C_DigestInit, C_Digest, C_DigestUpdate, C_DigestKey, C_DigestFinal, guarded_C_SignInit,
	guarded_C_Sign, guarded_C_SignUpdate, guarded_C_SignFinal, C_SignRecoverInit, C_SignRecover,
	guarded_C_VerifyInit, guarded_C_Verify, guarded_C_VerifyUpdate, guarded_C_VerifyFinal,
	C_VerifyRecoverInit, C_VerifyRecover, C_DigestEncryptUpdate, C_DecryptDigestUpdate,
	C_SignEncryptUpdate, C_DecryptVerifyUpdate, C_GenerateKey, C_GenerateKeyPair, C_WrapKey, C_UnwrapKey,
	C_DeriveKey, C_SeedRandom, C_GenerateRandom, C_GetFunctionStatus, C_CancelFunction, C_WaitForSlotEvent,
};

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &function_list;
	return CKR_OK;
}

// PKCS#11 3.0 callers ask for an interface first. The one interface is
// "PKCS 11" at version 2.40: the function list above (its version tells
// the caller which functions it has). CK_INTERFACE is spelled out because
// the pkcs11.h of Debian's p11-kit 0.24 predates 3.0.
typedef struct {
	CK_UTF8CHAR_PTR pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} signet_interface;

static CK_UTF8CHAR interface_name[] = "PKCS 11";
static signet_interface interface = {interface_name, &function_list, 0};

CK_RV C_GetInterfaceList(signet_interface *list, CK_ULONG_PTR count) {
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	if (list == NULL) {
		*count = 1;
		return CKR_OK;
	}
	if (*count < 1) {
		*count = 1;
		return CKR_BUFFER_TOO_SMALL;
	}
	list[0] = interface;
	*count = 1;
	return CKR_OK;
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, signet_interface **out, CK_FLAGS flags) {
	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((name != NULL && strcmp((const char *)name, (const char *)interface_name) != 0) ||
	    (version != NULL && (version->major != 2 || version->minor != 40)) || (flags & ~interface.flags) != 0)
		return CKR_ARGUMENTS_BAD; // no such interface
	*out = &interface;
	return CKR_OK;
}
