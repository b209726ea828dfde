package signing

import (
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/label"
)

// checkLabels refuses what the signature log must not keep as given: a
// tool or file name that is too long or holds control characters (they
// would forge lines in a CSV export or a terminal), a negative file size
// or generation.
func checkLabels(r Request) error {
	if r.Generation < 0 {
		return errs.BadRequest("invalid_generation", "generation is a key generation, 1 or more (0 or absent: any), got %d", r.Generation)
	}
	if err := clean("tool", r.Tool, label.MaxTool); err != nil {
		return err
	}
	for i, it := range r.Items {
		if err := clean("file_name", it.FileName, label.MaxFileName); err != nil {
			return itemErr(len(r.Items), i, err)
		}
		if it.FileSize < 0 {
			return itemErr(len(r.Items), i, errs.BadRequest("invalid_file_size", "file_size is a number of bytes, got %d", it.FileSize))
		}
	}
	return nil
}

func clean(field, s string, most int) error {
	if !label.IsClean(s, most) {
		return errs.BadRequest("invalid_"+field, "%s must be UTF-8 text without control characters, at most %d bytes", field, most)
	}
	return nil
}

func itemErr(n, i int, err error) error {
	if n == 1 {
		return err
	}
	e := errs.As(err)
	return errs.BadRequest(e.Code, "item %d: %s", i, e.Message)
}
