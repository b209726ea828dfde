package main

/*
#include <p11-kit/pkcs11.h>
*/
import "C"

import (
	"unsafe"

	"github.com/signet-project/signet/internal/p11"
)

//export C_GetAttributeValue
func C_GetAttributeValue(hSession C.CK_SESSION_HANDLE, hObject C.CK_OBJECT_HANDLE, pTemplate C.CK_ATTRIBUTE_PTR, ulCount C.CK_ULONG) C.CK_RV {
	return call("C_GetAttributeValue", func() p11.RV {
		attrs, ok := attributes(pTemplate, ulCount)
		if !ok {
			return p11.CKR_ARGUMENTS_BAD
		}
		rv := mod.GetAttributeValue(p11.SessionHandle(hSession), p11.ObjectHandle(hObject), attrs)
		switch rv {
		case p11.CKR_OK, p11.CKR_ATTRIBUTE_SENSITIVE, p11.CKR_ATTRIBUTE_TYPE_INVALID, p11.CKR_BUFFER_TOO_SMALL:
			ct := unsafe.Slice(pTemplate, int(ulCount))
			for i := range attrs {
				ct[i].ulValueLen = C.CK_ULONG(attrs[i].Len)
			}
		}
		return rv
	})
}

//export C_GetObjectSize
func C_GetObjectSize(hSession C.CK_SESSION_HANDLE, hObject C.CK_OBJECT_HANDLE, pulSize C.CK_ULONG_PTR) C.CK_RV {
	return call("C_GetObjectSize", func() p11.RV {
		if pulSize == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		n, rv := mod.GetObjectSize(p11.SessionHandle(hSession), p11.ObjectHandle(hObject))
		if rv == p11.CKR_OK {
			*pulSize = C.CK_ULONG(n)
		}
		return rv
	})
}

//export C_FindObjectsInit
func C_FindObjectsInit(hSession C.CK_SESSION_HANDLE, pTemplate C.CK_ATTRIBUTE_PTR, ulCount C.CK_ULONG) C.CK_RV {
	return call("C_FindObjectsInit", func() p11.RV {
		attrs, ok := attributes(pTemplate, ulCount)
		if !ok {
			return p11.CKR_ARGUMENTS_BAD
		}
		for i := range attrs {
			if attrs[i].Value == nil && unsafe.Slice(pTemplate, int(ulCount))[i].ulValueLen != 0 {
				return p11.CKR_ARGUMENTS_BAD
			}
		}
		return mod.FindObjectsInit(p11.SessionHandle(hSession), attrs)
	})
}

//export C_FindObjects
func C_FindObjects(hSession C.CK_SESSION_HANDLE, phObject C.CK_OBJECT_HANDLE_PTR, ulMaxObjectCount C.CK_ULONG, pulObjectCount C.CK_ULONG_PTR) C.CK_RV {
	return call("C_FindObjects", func() p11.RV {
		if pulObjectCount == nil || (phObject == nil && ulMaxObjectCount != 0) {
			return p11.CKR_ARGUMENTS_BAD
		}
		found, rv := mod.FindObjects(p11.SessionHandle(hSession), int(min(uint(ulMaxObjectCount), maxBuf)))
		if rv != p11.CKR_OK {
			return rv
		}
		dst := unsafe.Slice(phObject, len(found))
		for i, h := range found {
			dst[i] = C.CK_OBJECT_HANDLE(h)
		}
		*pulObjectCount = C.CK_ULONG(len(found))
		return p11.CKR_OK
	})
}

//export C_FindObjectsFinal
func C_FindObjectsFinal(hSession C.CK_SESSION_HANDLE) C.CK_RV {
	return call("C_FindObjectsFinal", func() p11.RV { return mod.FindObjectsFinal(p11.SessionHandle(hSession)) })
}
