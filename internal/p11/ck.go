package p11

// PKCS#11 2.40 types and constants used by the module, with the
// specification's names so they read like the standard. Every CK_ULONG
// value is a Go uint: unsigned long and uint have the same size on the
// Linux targets the module is built for.

// RV is a CK_RV return value.
type RV uint

// AttributeType is a CK_ATTRIBUTE_TYPE.
type AttributeType uint

// MechanismType is a CK_MECHANISM_TYPE.
type MechanismType uint

// ObjectHandle is a CK_OBJECT_HANDLE.
type ObjectHandle uint

// SessionHandle is a CK_SESSION_HANDLE.
type SessionHandle uint

// Return values.
const (
	CKR_OK                             RV = 0x0
	CKR_HOST_MEMORY                    RV = 0x2
	CKR_SLOT_ID_INVALID                RV = 0x3
	CKR_GENERAL_ERROR                  RV = 0x5
	CKR_FUNCTION_FAILED                RV = 0x6
	CKR_ARGUMENTS_BAD                  RV = 0x7
	CKR_NEED_TO_CREATE_THREADS         RV = 0x9
	CKR_CANT_LOCK                      RV = 0xa
	CKR_ATTRIBUTE_SENSITIVE            RV = 0x11
	CKR_ATTRIBUTE_TYPE_INVALID         RV = 0x12
	CKR_ATTRIBUTE_VALUE_INVALID        RV = 0x13
	CKR_DATA_INVALID                   RV = 0x20
	CKR_DATA_LEN_RANGE                 RV = 0x21
	CKR_DEVICE_ERROR                   RV = 0x30
	CKR_FUNCTION_NOT_SUPPORTED         RV = 0x54
	CKR_KEY_HANDLE_INVALID             RV = 0x60
	CKR_KEY_TYPE_INCONSISTENT          RV = 0x63
	CKR_KEY_CHANGED                    RV = 0x65
	CKR_KEY_FUNCTION_NOT_PERMITTED     RV = 0x68
	CKR_MECHANISM_INVALID              RV = 0x70
	CKR_MECHANISM_PARAM_INVALID        RV = 0x71
	CKR_OBJECT_HANDLE_INVALID          RV = 0x82
	CKR_OPERATION_ACTIVE               RV = 0x90
	CKR_OPERATION_NOT_INITIALIZED      RV = 0x91
	CKR_PIN_INCORRECT                  RV = 0xa0
	CKR_SESSION_HANDLE_INVALID         RV = 0xb3
	CKR_SESSION_PARALLEL_NOT_SUPPORTED RV = 0xb4
	CKR_SIGNATURE_INVALID              RV = 0xc0
	CKR_SIGNATURE_LEN_RANGE            RV = 0xc1
	CKR_TOKEN_WRITE_PROTECTED          RV = 0xe2
	CKR_USER_ALREADY_LOGGED_IN         RV = 0x100
	CKR_USER_NOT_LOGGED_IN             RV = 0x101
	CKR_USER_TYPE_INVALID              RV = 0x103
	CKR_BUFFER_TOO_SMALL               RV = 0x150
	CKR_CRYPTOKI_NOT_INITIALIZED       RV = 0x190
	CKR_CRYPTOKI_ALREADY_INITIALIZED   RV = 0x191
	CKR_FUNCTION_REJECTED              RV = 0x200
)

// CK_UNAVAILABLE_INFORMATION is the length reported for attributes that
// cannot be read.
const CK_UNAVAILABLE_INFORMATION = ^uint(0)

// Object classes, key types and certificate types.
const (
	CKO_CERTIFICATE uint = 1
	CKO_PUBLIC_KEY  uint = 2
	CKO_PRIVATE_KEY uint = 3

	CKK_RSA        uint = 0x0
	CKK_EC         uint = 0x3
	CKK_EC_EDWARDS uint = 0x40

	CKC_X_509 uint = 0
)

// Attribute types.
const (
	CKA_CLASS                AttributeType = 0x0
	CKA_TOKEN                AttributeType = 0x1
	CKA_PRIVATE              AttributeType = 0x2
	CKA_LABEL                AttributeType = 0x3
	CKA_VALUE                AttributeType = 0x11
	CKA_CERTIFICATE_TYPE     AttributeType = 0x80
	CKA_ISSUER               AttributeType = 0x81
	CKA_SERIAL_NUMBER        AttributeType = 0x82
	CKA_TRUSTED              AttributeType = 0x86
	CKA_CERTIFICATE_CATEGORY AttributeType = 0x87
	CKA_URL                  AttributeType = 0x89
	CKA_CHECK_VALUE          AttributeType = 0x90
	CKA_KEY_TYPE             AttributeType = 0x100
	CKA_SUBJECT              AttributeType = 0x101
	CKA_ID                   AttributeType = 0x102
	CKA_SENSITIVE            AttributeType = 0x103
	CKA_ENCRYPT              AttributeType = 0x104
	CKA_DECRYPT              AttributeType = 0x105
	CKA_WRAP                 AttributeType = 0x106
	CKA_UNWRAP               AttributeType = 0x107
	CKA_SIGN                 AttributeType = 0x108
	CKA_SIGN_RECOVER         AttributeType = 0x109
	CKA_VERIFY               AttributeType = 0x10a
	CKA_VERIFY_RECOVER       AttributeType = 0x10b
	CKA_DERIVE               AttributeType = 0x10c
	CKA_START_DATE           AttributeType = 0x110
	CKA_END_DATE             AttributeType = 0x111
	CKA_MODULUS              AttributeType = 0x120
	CKA_MODULUS_BITS         AttributeType = 0x121
	CKA_PUBLIC_EXPONENT      AttributeType = 0x122
	CKA_PRIVATE_EXPONENT     AttributeType = 0x123
	CKA_PRIME_1              AttributeType = 0x124
	CKA_PRIME_2              AttributeType = 0x125
	CKA_EXPONENT_1           AttributeType = 0x126
	CKA_EXPONENT_2           AttributeType = 0x127
	CKA_COEFFICIENT          AttributeType = 0x128
	CKA_PUBLIC_KEY_INFO      AttributeType = 0x129
	CKA_EXTRACTABLE          AttributeType = 0x162
	CKA_LOCAL                AttributeType = 0x163
	CKA_NEVER_EXTRACTABLE    AttributeType = 0x164
	CKA_ALWAYS_SENSITIVE     AttributeType = 0x165
	CKA_MODIFIABLE           AttributeType = 0x170
	CKA_COPYABLE             AttributeType = 0x171
	CKA_DESTROYABLE          AttributeType = 0x172
	CKA_EC_PARAMS            AttributeType = 0x180
	CKA_EC_POINT             AttributeType = 0x181
	CKA_ALWAYS_AUTHENTICATE  AttributeType = 0x202
	CKA_WRAP_WITH_TRUSTED    AttributeType = 0x210
	CKA_ALLOWED_MECHANISMS   AttributeType = 0x40000600
)

// Mechanisms.
const (
	CKM_RSA_PKCS            MechanismType = 0x1
	CKM_RSA_PKCS_PSS        MechanismType = 0xd
	CKM_SHA256_RSA_PKCS     MechanismType = 0x40
	CKM_SHA384_RSA_PKCS     MechanismType = 0x41
	CKM_SHA512_RSA_PKCS     MechanismType = 0x42
	CKM_SHA256_RSA_PKCS_PSS MechanismType = 0x43
	CKM_SHA384_RSA_PKCS_PSS MechanismType = 0x44
	CKM_SHA512_RSA_PKCS_PSS MechanismType = 0x45
	CKM_SHA256              MechanismType = 0x250
	CKM_SHA384              MechanismType = 0x260
	CKM_SHA512              MechanismType = 0x270
	CKM_ECDSA               MechanismType = 0x1041
	CKM_ECDSA_SHA256        MechanismType = 0x1044
	CKM_ECDSA_SHA384        MechanismType = 0x1045
	CKM_ECDSA_SHA512        MechanismType = 0x1046
	CKM_EDDSA               MechanismType = 0x1057
)

// MGF1 generators for RSA-PSS parameters.
const (
	CKG_MGF1_SHA256 uint = 0x2
	CKG_MGF1_SHA384 uint = 0x3
	CKG_MGF1_SHA512 uint = 0x4
)

// Flags of slots, tokens, sessions, mechanisms and C_Initialize.
const (
	CKF_TOKEN_PRESENT        uint = 0x1
	CKF_LOGIN_REQUIRED       uint = 0x4
	CKF_USER_PIN_INITIALIZED uint = 0x8
	CKF_TOKEN_INITIALIZED    uint = 0x400

	CKF_RW_SESSION     uint = 0x2
	CKF_SERIAL_SESSION uint = 0x4

	CKF_SIGN          uint = 0x800
	CKF_VERIFY        uint = 0x2000
	CKF_EC_F_P        uint = 1 << 20
	CKF_EC_NAMEDCURVE uint = 1 << 23
	CKF_EC_UNCOMPRESS uint = 1 << 24

	CKF_LIBRARY_CANT_CREATE_OS_THREADS uint = 0x1
	CKF_OS_LOCKING_OK                  uint = 0x2
)

// User types and session states.
const (
	CKU_SO               uint = 0
	CKU_USER             uint = 1
	CKU_CONTEXT_SPECIFIC uint = 2

	CKS_RO_PUBLIC_SESSION uint = 0
	CKS_RO_USER_FUNCTIONS uint = 1
	CKS_RW_PUBLIC_SESSION uint = 2
	CKS_RW_USER_FUNCTIONS uint = 3
)
