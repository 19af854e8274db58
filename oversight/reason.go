package oversight

import "fmt"

// MaxReasonBytes bounds a reason a person gives: an override's, a halt's
// or resume's, and a contest's grounds. Each is kept in the decision log
// and shown to every reviewer, so one caller must not be able to make
// them carry megabytes; a few paragraphs fit with room to spare.
const MaxReasonBytes = 16 << 10

// checkReasonLength refuses a reason longer than MaxReasonBytes; the
// error does not repeat the reason.
func checkReasonLength(what string, reason string) error {
	if len(reason) > MaxReasonBytes {
		return fmt.Errorf("%w: %s has %d bytes, at most %d are kept", ErrReasonTooLong, what, len(reason), MaxReasonBytes)
	}
	return nil
}
