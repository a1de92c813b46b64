package passkeytest

import "encoding/binary"

// A minimal CBOR encoder (RFC 8949) for the two structures an authenticator
// writes: the COSE_Key and the attestation object. It is written apart
// from the library under test, so an encoding bug there cannot hide
// behind the same bug here. Callers list map entries in CTAP2 canonical
// order (shorter encoded key first, then bytewise).

const (
	majorUint  = 0
	majorNeg   = 1
	majorBytes = 2
	majorText  = 3
	majorMap   = 5
)

// head encodes a major type with its argument in the shortest form.
func head(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= 0xff:
		return append(b, m|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, m|27), n)
	}
}

func cborInt(b []byte, v int64) []byte {
	if v >= 0 {
		return head(b, majorUint, uint64(v))
	}
	return head(b, majorNeg, uint64(-1-v))
}

func cborBytes(b, v []byte) []byte { return append(head(b, majorBytes, uint64(len(v))), v...) }

func cborText(b []byte, s string) []byte { return append(head(b, majorText, uint64(len(s))), s...) }

func cborMap(b []byte, n int) []byte { return head(b, majorMap, uint64(n)) }

// coseES256 encodes an ES256 P-256 COSE_Key (RFC 9053 §7.1.1).
func coseES256(x, y []byte) []byte {
	b := cborMap(nil, 5)
	b = cborInt(cborInt(b, 1), 2)  // kty: EC2
	b = cborInt(cborInt(b, 3), -7) // alg: ES256
	b = cborInt(cborInt(b, -1), 1) // crv: P-256
	b = cborBytes(cborInt(b, -2), x)
	b = cborBytes(cborInt(b, -3), y)
	return b
}

// attestationNone encodes {"fmt": "none", "attStmt": {}, "authData": authData}.
func attestationNone(authData []byte) []byte {
	b := cborMap(nil, 3)
	b = cborText(cborText(b, "fmt"), "none")
	b = cborMap(cborText(b, "attStmt"), 0)
	b = cborBytes(cborText(b, "authData"), authData)
	return b
}
