package auth

// HoldHashing takes every password-hashing slot of s until release is
// called: checks wait meanwhile, as they do under load.
func HoldHashing(s *Service) (release func()) {
	slots := s.slots()
	for range cap(slots) {
		slots <- struct{}{}
	}
	return func() {
		for range cap(slots) {
			<-slots
		}
	}
}

// HashWaiters is how many password checks of s wait for a hashing slot.
func HashWaiters(s *Service) int { return int(s.waiting.Load()) }
