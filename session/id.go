package session

import (
	"crypto/rand"
	"encoding/base64"
)

// NewID returns a fresh session id: 15 bytes from crypto/rand as 20
// characters of unpadded URL-safe base64, the same length and alphabet as
// the reference server's ids.
func NewID() (string, error) {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
