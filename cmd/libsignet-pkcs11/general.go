package main

/*
#include <p11-kit/pkcs11.h>
*/
import "C"

import (
	"unsafe"

	"github.com/signet-project/signet/internal/p11"
)

//export C_Initialize
func C_Initialize(pInitArgs C.CK_VOID_PTR) C.CK_RV {
	return call("C_Initialize", func() p11.RV {
		if pInitArgs == nil {
			return mod.Initialize(nil)
		}
		a := (*C.CK_C_INITIALIZE_ARGS)(pInitArgs)
		args := p11.InitArgs{Flags: uint(a.flags), Reserved: a.pReserved != nil}
		for _, f := range []bool{a.CreateMutex != nil, a.DestroyMutex != nil, a.LockMutex != nil, a.UnlockMutex != nil} {
			if f {
				args.MutexFuncs++
			}
		}
		return mod.Initialize(&args)
	})
}

//export C_Finalize
func C_Finalize(pReserved C.CK_VOID_PTR) C.CK_RV {
	return call("C_Finalize", func() p11.RV {
		if pReserved != nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		return mod.Finalize()
	})
}

//export C_GetInfo
func C_GetInfo(pInfo C.CK_INFO_PTR) C.CK_RV {
	return call("C_GetInfo", func() p11.RV {
		if pInfo == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		info, rv := mod.GetInfo()
		if rv == p11.CKR_OK {
			pInfo.cryptokiVersion = version(info.CryptokiVersion)
			pad(unsafe.Pointer(&pInfo.manufacturerID[0]), len(pInfo.manufacturerID), info.ManufacturerID)
			pInfo.flags = C.CK_FLAGS(info.Flags)
			pad(unsafe.Pointer(&pInfo.libraryDescription[0]), len(pInfo.libraryDescription), info.LibraryDescription)
			pInfo.libraryVersion = version(info.LibraryVersion)
		}
		return rv
	})
}

//export C_GetSlotList
func C_GetSlotList(tokenPresent C.CK_BBOOL, pSlotList C.CK_SLOT_ID_PTR, pulCount C.CK_ULONG_PTR) C.CK_RV {
	return call("C_GetSlotList", func() p11.RV {
		if pulCount == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		slots, rv := mod.GetSlotList(tokenPresent != 0)
		if rv != p11.CKR_OK {
			return rv
		}
		return fillList(pSlotList, pulCount, slots)
	})
}

// fillList answers a C list query: the count when list is NULL,
// CKR_BUFFER_TOO_SMALL with the count when it is too short, else the items.
func fillList[T ~uint](list *C.CK_ULONG, count C.CK_ULONG_PTR, items []T) p11.RV {
	n := C.CK_ULONG(len(items))
	if list == nil {
		*count = n
		return p11.CKR_OK
	}
	if *count < n {
		*count = n
		return p11.CKR_BUFFER_TOO_SMALL
	}
	dst := unsafe.Slice(list, len(items))
	for i, it := range items {
		dst[i] = C.CK_ULONG(it)
	}
	*count = n
	return p11.CKR_OK
}

//export C_GetSlotInfo
func C_GetSlotInfo(slotID C.CK_SLOT_ID, pInfo C.CK_SLOT_INFO_PTR) C.CK_RV {
	return call("C_GetSlotInfo", func() p11.RV {
		if pInfo == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		si, rv := mod.GetSlotInfo(uint(slotID))
		if rv == p11.CKR_OK {
			pad(unsafe.Pointer(&pInfo.slotDescription[0]), len(pInfo.slotDescription), si.Description)
			pad(unsafe.Pointer(&pInfo.manufacturerID[0]), len(pInfo.manufacturerID), si.ManufacturerID)
			pInfo.flags = C.CK_FLAGS(si.Flags)
			pInfo.hardwareVersion = version(si.HardwareVersion)
			pInfo.firmwareVersion = version(si.FirmwareVersion)
		}
		return rv
	})
}

//export C_GetTokenInfo
func C_GetTokenInfo(slotID C.CK_SLOT_ID, pInfo C.CK_TOKEN_INFO_PTR) C.CK_RV {
	return call("C_GetTokenInfo", func() p11.RV {
		if pInfo == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		ti, rv := mod.GetTokenInfo(uint(slotID))
		if rv != p11.CKR_OK {
			return rv
		}
		pad(unsafe.Pointer(&pInfo.label[0]), len(pInfo.label), ti.Label)
		pad(unsafe.Pointer(&pInfo.manufacturerID[0]), len(pInfo.manufacturerID), ti.ManufacturerID)
		pad(unsafe.Pointer(&pInfo.model[0]), len(pInfo.model), ti.Model)
		pad(unsafe.Pointer(&pInfo.serialNumber[0]), len(pInfo.serialNumber), ti.SerialNumber)
		pInfo.flags = C.CK_FLAGS(ti.Flags)
		pInfo.ulMaxSessionCount, pInfo.ulSessionCount = C.CK_ULONG(ti.MaxSessionCount), C.CK_ULONG(ti.SessionCount)
		pInfo.ulMaxRwSessionCount, pInfo.ulRwSessionCount = C.CK_ULONG(ti.MaxRwSessionCount), C.CK_ULONG(ti.RwSessionCount)
		pInfo.ulMaxPinLen, pInfo.ulMinPinLen = C.CK_ULONG(ti.MaxPinLen), C.CK_ULONG(ti.MinPinLen)
		pInfo.ulTotalPublicMemory, pInfo.ulFreePublicMemory = C.CK_ULONG(ti.TotalPublicMemory), C.CK_ULONG(ti.FreePublicMemory)
		pInfo.ulTotalPrivateMemory, pInfo.ulFreePrivateMemory = C.CK_ULONG(ti.TotalPrivateMemory), C.CK_ULONG(ti.FreePrivateMemory)
		pInfo.hardwareVersion, pInfo.firmwareVersion = version(ti.HardwareVersion), version(ti.FirmwareVersion)
		pad(unsafe.Pointer(&pInfo.utcTime[0]), len(pInfo.utcTime), "")
		return p11.CKR_OK
	})
}

//export C_GetMechanismList
func C_GetMechanismList(slotID C.CK_SLOT_ID, pList C.CK_MECHANISM_TYPE_PTR, pulCount C.CK_ULONG_PTR) C.CK_RV {
	return call("C_GetMechanismList", func() p11.RV {
		if pulCount == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		mechs, rv := mod.GetMechanismList(uint(slotID))
		if rv != p11.CKR_OK {
			return rv
		}
		return fillList(pList, pulCount, mechs)
	})
}

//export C_GetMechanismInfo
func C_GetMechanismInfo(slotID C.CK_SLOT_ID, typ C.CK_MECHANISM_TYPE, pInfo C.CK_MECHANISM_INFO_PTR) C.CK_RV {
	return call("C_GetMechanismInfo", func() p11.RV {
		if pInfo == nil {
			return p11.CKR_ARGUMENTS_BAD
		}
		mi, rv := mod.GetMechanismInfo(uint(slotID), p11.MechanismType(typ))
		if rv == p11.CKR_OK {
			pInfo.ulMinKeySize, pInfo.ulMaxKeySize, pInfo.flags = C.CK_ULONG(mi.MinKeySize), C.CK_ULONG(mi.MaxKeySize), C.CK_FLAGS(mi.Flags)
		}
		return rv
	})
}
