package store

// SealForTest seals a secret as the store does, for tests that need a
// secret of a form the store no longer makes.
func SealForTest(s *Store, endpointID, secret string) ([]byte, error) {
	return s.sealSecret(endpointID, secret)
}
