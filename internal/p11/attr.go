package p11

import (
	"bytes"
	"encoding/binary"
	"unsafe"
)

// Attribute is one CK_ATTRIBUTE. In a search template Value holds the value
// to match. For C_GetAttributeValue, Value is the caller's buffer (nil when
// pValue is NULL, whatever ulValueLen says) and Len receives the length or
// CK_UNAVAILABLE_INFORMATION. The module never keeps Value after a call.
type Attribute struct {
	Type  AttributeType
	Value []byte
	Len   uint
}

// ulongSize is sizeof(CK_ULONG).
const ulongSize = int(unsafe.Sizeof(uint(0)))

// ulong encodes v as a CK_ULONG in the machine's byte order.
func ulong(v uint) []byte {
	b := make([]byte, ulongSize)
	if ulongSize == 8 {
		binary.NativeEndian.PutUint64(b, uint64(v))
	} else {
		binary.NativeEndian.PutUint32(b, uint32(v))
	}
	return b
}

// decodeULong decodes a CK_ULONG; ok is false when b has the wrong size.
func decodeULong(b []byte) (uint, bool) {
	switch {
	case len(b) != ulongSize:
		return 0, false
	case ulongSize == 8:
		return uint(binary.NativeEndian.Uint64(b)), true
	default:
		return uint(binary.NativeEndian.Uint32(b)), true
	}
}

func ckBool(v bool) []byte {
	if v {
		return []byte{1}
	}
	return []byte{0}
}

// attrKind is how an attribute value is encoded, for template decoding.
type attrKind int

const (
	kindBytes attrKind = iota
	kindBool
	kindULong
)

// kinds lists the attributes whose values are not plain byte strings.
var kinds = map[AttributeType]attrKind{
	CKA_CLASS: kindULong, CKA_KEY_TYPE: kindULong, CKA_CERTIFICATE_TYPE: kindULong, CKA_MODULUS_BITS: kindULong,
	CKA_CERTIFICATE_CATEGORY: kindULong,
	CKA_TOKEN:                kindBool, CKA_PRIVATE: kindBool, CKA_TRUSTED: kindBool, CKA_SENSITIVE: kindBool, CKA_ENCRYPT: kindBool,
	CKA_DECRYPT: kindBool, CKA_WRAP: kindBool, CKA_UNWRAP: kindBool, CKA_SIGN: kindBool, CKA_SIGN_RECOVER: kindBool,
	CKA_VERIFY: kindBool, CKA_VERIFY_RECOVER: kindBool, CKA_DERIVE: kindBool, CKA_EXTRACTABLE: kindBool,
	CKA_LOCAL: kindBool, CKA_NEVER_EXTRACTABLE: kindBool, CKA_ALWAYS_SENSITIVE: kindBool, CKA_MODIFIABLE: kindBool,
	CKA_COPYABLE: kindBool, CKA_DESTROYABLE: kindBool, CKA_ALWAYS_AUTHENTICATE: kindBool, CKA_WRAP_WITH_TRUSTED: kindBool,
}

// Template is a decoded search template: attribute values in the module's
// own encoding, so that they compare byte for byte with the objects'.
type Template []Attribute

// DecodeTemplate copies and checks a search template. Booleans must be one
// byte (any non-zero value is true) and CK_ULONG values sizeof(CK_ULONG)
// bytes; otherwise it returns CKR_ATTRIBUTE_VALUE_INVALID.
func DecodeTemplate(attrs []Attribute) (Template, RV) {
	out := make(Template, 0, len(attrs))
	for _, a := range attrs {
		v := bytes.Clone(a.Value)
		if v == nil {
			v = []byte{}
		}
		switch kinds[a.Type] {
		case kindBool:
			if len(v) != 1 {
				return nil, CKR_ATTRIBUTE_VALUE_INVALID
			}
			v = ckBool(v[0] != 0)
		case kindULong:
			if _, ok := decodeULong(v); !ok {
				return nil, CKR_ATTRIBUTE_VALUE_INVALID
			}
		}
		out = append(out, Attribute{Type: a.Type, Value: v})
	}
	return out, CKR_OK
}

// matches tells whether o has every attribute of t with the same value.
// Sensitive attributes never match.
func (t Template) matches(o *object) bool {
	for _, a := range t {
		v, ok := o.attrs[a.Type]
		if !ok || !bytes.Equal(v, a.Value) {
			return false
		}
	}
	return true
}

// getAttributes fills the caller's template from o, following PKCS#11 2.40
// section 5.7: every attribute is processed; a sensitive one gets
// CK_UNAVAILABLE_INFORMATION and CKR_ATTRIBUTE_SENSITIVE, an unknown one
// CK_UNAVAILABLE_INFORMATION and CKR_ATTRIBUTE_TYPE_INVALID, a NULL buffer
// the length, a buffer too small CK_UNAVAILABLE_INFORMATION and
// CKR_BUFFER_TOO_SMALL.
func (o *object) getAttributes(tmpl []Attribute) RV {
	rv := CKR_OK
	for i := range tmpl {
		a := &tmpl[i]
		v, ok := o.attrs[a.Type]
		switch {
		case o.sensitive[a.Type]:
			a.Len = CK_UNAVAILABLE_INFORMATION
			rv = CKR_ATTRIBUTE_SENSITIVE
		case !ok:
			a.Len = CK_UNAVAILABLE_INFORMATION
			if rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL {
				rv = CKR_ATTRIBUTE_TYPE_INVALID
			}
		case a.Value == nil:
			a.Len = uint(len(v))
		case len(a.Value) >= len(v):
			copy(a.Value, v)
			a.Len = uint(len(v))
		default:
			a.Len = CK_UNAVAILABLE_INFORMATION
			if rv == CKR_OK {
				rv = CKR_BUFFER_TOO_SMALL
			}
		}
	}
	return rv
}
