package main

/*
#include <p11-kit/pkcs11.h>
*/
import "C"

import (
	"github.com/signet-project/signet/internal/p11"
)

//export C_SignInit
func C_SignInit(hSession C.CK_SESSION_HANDLE, pMechanism C.CK_MECHANISM_PTR, hKey C.CK_OBJECT_HANDLE) C.CK_RV {
	return call("C_SignInit", func() p11.RV {
		m, ok := mechanism(pMechanism)
		if !ok {
			return p11.CKR_ARGUMENTS_BAD
		}
		return mod.SignInit(p11.SessionHandle(hSession), m, p11.ObjectHandle(hKey))
	})
}

//export C_Sign
func C_Sign(hSession C.CK_SESSION_HANDLE, pData C.CK_BYTE_PTR, ulDataLen C.CK_ULONG, pSignature C.CK_BYTE_PTR, pulSignatureLen C.CK_ULONG_PTR) C.CK_RV {
	return call("C_Sign", func() p11.RV {
		if pulSignatureLen == nil || (pData == nil && ulDataLen != 0) {
			return p11.CKR_ARGUMENTS_BAD
		}
		n, rv := mod.Sign(p11.SessionHandle(hSession), in(pData, ulDataLen), out(pSignature, pulSignatureLen))
		return setLen(pulSignatureLen, n, rv)
	})
}

// setLen stores the output length when the module gave one.
func setLen(p C.CK_ULONG_PTR, n uint, rv p11.RV) p11.RV {
	if rv == p11.CKR_OK || rv == p11.CKR_BUFFER_TOO_SMALL {
		*p = C.CK_ULONG(n)
	}
	return rv
}

//export C_SignUpdate
func C_SignUpdate(hSession C.CK_SESSION_HANDLE, pPart C.CK_BYTE_PTR, ulPartLen C.CK_ULONG) C.CK_RV {
	return call("C_SignUpdate", func() p11.RV {
		if pPart == nil && ulPartLen != 0 {
			return p11.CKR_ARGUMENTS_BAD
		}
		return mod.SignUpdate(p11.SessionHandle(hSession), in(pPart, ulPartLen))
	})
}

//export C_SignFinal
func C_SignFinal(hSession C.CK_SESSION_HANDLE, pSignature C.CK_BYTE_PTR, pulSignatureLen C.CK_ULONG_PTR) C.CK_RV {
	return call("C_SignFinal", func() p11.RV {
		if pulSignatureLen == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		n, rv := mod.SignFinal(p11.SessionHandle(hSession), out(pSignature, pulSignatureLen))
		return setLen(pulSignatureLen, n, rv)
	})
}

//export C_VerifyInit
func C_VerifyInit(hSession C.CK_SESSION_HANDLE, pMechanism C.CK_MECHANISM_PTR, hKey C.CK_OBJECT_HANDLE) C.CK_RV {
	return call("C_VerifyInit", func() p11.RV {
		m, ok := mechanism(pMechanism)
		if !ok {
			return p11.CKR_ARGUMENTS_BAD
		}
		return mod.VerifyInit(p11.SessionHandle(hSession), m, p11.ObjectHandle(hKey))
	})
}

//export C_Verify
func C_Verify(hSession C.CK_SESSION_HANDLE, pData C.CK_BYTE_PTR, ulDataLen C.CK_ULONG, pSignature C.CK_BYTE_PTR, ulSignatureLen C.CK_ULONG) C.CK_RV {
	return call("C_Verify", func() p11.RV {
		if (pData == nil && ulDataLen != 0) || pSignature == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		return mod.Verify(p11.SessionHandle(hSession), in(pData, ulDataLen), in(pSignature, ulSignatureLen))
	})
}

//export C_VerifyUpdate
func C_VerifyUpdate(hSession C.CK_SESSION_HANDLE, pPart C.CK_BYTE_PTR, ulPartLen C.CK_ULONG) C.CK_RV {
	return call("C_VerifyUpdate", func() p11.RV {
		if pPart == nil && ulPartLen != 0 {
			return p11.CKR_ARGUMENTS_BAD
		}
		return mod.VerifyUpdate(p11.SessionHandle(hSession), in(pPart, ulPartLen))
	})
}

//export C_VerifyFinal
func C_VerifyFinal(hSession C.CK_SESSION_HANDLE, pSignature C.CK_BYTE_PTR, ulSignatureLen C.CK_ULONG) C.CK_RV {
	return call("C_VerifyFinal", func() p11.RV {
		if pSignature == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		return mod.VerifyFinal(p11.SessionHandle(hSession), in(pSignature, ulSignatureLen))
	})
}
