package p11

// SlotInfo is a CK_SLOT_INFO.
type SlotInfo struct {
	Description, ManufacturerID string
	Flags                       uint
	HardwareVersion             [2]byte
	FirmwareVersion             [2]byte
}

// TokenInfo is a CK_TOKEN_INFO.
type TokenInfo struct {
	Label, ManufacturerID, Model, SerialNumber string
	Flags                                      uint
	MaxSessionCount, SessionCount              uint
	MaxRwSessionCount, RwSessionCount          uint
	MaxPinLen, MinPinLen                       uint
	TotalPublicMemory, FreePublicMemory        uint
	TotalPrivateMemory, FreePrivateMemory      uint
	HardwareVersion, FirmwareVersion           [2]byte
}

// GetSlotList is C_GetSlotList: one slot, its token always present.
func (m *Module) GetSlotList(tokenPresent bool) ([]uint, RV) {
	if rv := m.checkInit(); rv != CKR_OK {
		return nil, rv
	}
	return []uint{SlotID}, CKR_OK
}

// GetSlotInfo is C_GetSlotInfo.
func (m *Module) GetSlotInfo(slot uint) (SlotInfo, RV) {
	if rv := m.checkSlot(slot); rv != CKR_OK {
		return SlotInfo{}, rv
	}
	return SlotInfo{Description: Description, ManufacturerID: Manufacturer, Flags: CKF_TOKEN_PRESENT,
		HardwareVersion: Version, FirmwareVersion: Version}, CKR_OK
}

// GetTokenInfo is C_GetTokenInfo. The token is initialized and its user PIN
// set; it requires login only in PIN mode (no API key configured), where
// the PIN is the API key. See the package documentation.
func (m *Module) GetTokenInfo(slot uint) (TokenInfo, RV) {
	if rv := m.checkSlot(slot); rv != CKR_OK {
		return TokenInfo{}, rv
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ti := TokenInfo{Label: TokenLabel, ManufacturerID: Manufacturer, Model: Model, SerialNumber: m.serial,
		Flags:           CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED,
		MaxSessionCount: 0, MaxRwSessionCount: 0, // CK_EFFECTIVELY_INFINITE
		MaxPinLen: 1024, MinPinLen: 0,
		TotalPublicMemory: CK_UNAVAILABLE_INFORMATION, FreePublicMemory: CK_UNAVAILABLE_INFORMATION,
		TotalPrivateMemory: CK_UNAVAILABLE_INFORMATION, FreePrivateMemory: CK_UNAVAILABLE_INFORMATION,
		HardwareVersion: Version, FirmwareVersion: Version,
	}
	if m.pinLogin != nil {
		ti.Flags |= CKF_LOGIN_REQUIRED
	}
	for _, s := range m.sessions {
		ti.SessionCount++
		if s.flags&CKF_RW_SESSION != 0 {
			ti.RwSessionCount++
		}
	}
	return ti, CKR_OK
}
