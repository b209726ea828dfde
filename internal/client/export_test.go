package client

import "time"

// SetSessionClock replaces the clock of the session files until restore
// is called.
func SetSessionClock(now func() time.Time) (restore func()) {
	old := timeNow
	timeNow = now
	return func() { timeNow = old }
}
