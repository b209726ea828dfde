package main

/*
#include <p11-kit/pkcs11.h>
*/
import "C"

import (
	"github.com/signet-project/signet/internal/p11"
)

//export C_OpenSession
func C_OpenSession(slotID C.CK_SLOT_ID, flags C.CK_FLAGS, pApplication C.CK_VOID_PTR, notify C.CK_NOTIFY, phSession C.CK_SESSION_HANDLE_PTR) C.CK_RV {
	return call("C_OpenSession", func() p11.RV {
		if phSession == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		h, rv := mod.OpenSession(uint(slotID), uint(flags))
		if rv == p11.CKR_OK {
			*phSession = C.CK_SESSION_HANDLE(h)
		}
		return rv
	})
}

//export C_CloseSession
func C_CloseSession(hSession C.CK_SESSION_HANDLE) C.CK_RV {
	return call("C_CloseSession", func() p11.RV { return mod.CloseSession(p11.SessionHandle(hSession)) })
}

//export C_CloseAllSessions
func C_CloseAllSessions(slotID C.CK_SLOT_ID) C.CK_RV {
	return call("C_CloseAllSessions", func() p11.RV { return mod.CloseAllSessions(uint(slotID)) })
}

//export C_GetSessionInfo
func C_GetSessionInfo(hSession C.CK_SESSION_HANDLE, pInfo C.CK_SESSION_INFO_PTR) C.CK_RV {
	return call("C_GetSessionInfo", func() p11.RV {
		if pInfo == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		si, rv := mod.GetSessionInfo(p11.SessionHandle(hSession))
		if rv == p11.CKR_OK {
			pInfo.slotID, pInfo.state = C.CK_SLOT_ID(si.SlotID), C.CK_STATE(si.State)
			pInfo.flags, pInfo.ulDeviceError = C.CK_FLAGS(si.Flags), C.CK_ULONG(si.DeviceError)
		}
		return rv
	})
}

//export C_Login
func C_Login(hSession C.CK_SESSION_HANDLE, userType C.CK_USER_TYPE, pPin C.CK_UTF8CHAR_PTR, ulPinLen C.CK_ULONG) C.CK_RV {
	return call("C_Login", func() p11.RV {
		return mod.Login(p11.SessionHandle(hSession), uint(userType), in(C.CK_BYTE_PTR(pPin), ulPinLen))
	})
}

//export C_Logout
func C_Logout(hSession C.CK_SESSION_HANDLE) C.CK_RV {
	return call("C_Logout", func() p11.RV { return mod.Logout(p11.SessionHandle(hSession)) })
}
