package search

import (
	"errors"
	"strconv"
	"strings"
)

// ErrBadID: a document id is not "<partition>-<offset>".
var ErrBadID = errors.New("document id is not <partition>-<offset>")

// DocID is the id of the record at offset of partition.
func DocID(partition int32, offset int64) string {
	return strconv.FormatInt(int64(partition), 10) + "-" + strconv.FormatInt(offset, 10)
}

// ParseDocID reads an id DocID made.
func ParseDocID(id string) (partition int32, offset int64, err error) {
	p, o, ok := strings.Cut(id, "-")
	if !ok {
		return 0, 0, ErrBadID
	}
	pn, err1 := strconv.ParseInt(p, 10, 32)
	on, err2 := strconv.ParseInt(o, 10, 64)
	if err1 != nil || err2 != nil || pn < 0 || on < 0 {
		return 0, 0, ErrBadID
	}
	return int32(pn), on, nil
}
