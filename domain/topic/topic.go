// Package topic models Kafka topics: names, ids, partition counts and configs.
//
// It is pure: it validates and describes, it never stores.
package topic

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Errors owned by this package. Inbound adapters map them to protocol codes.
var (
	ErrUnknown           = errors.New("topic does not exist")
	ErrExists            = errors.New("topic already exists")
	ErrInvalidName       = errors.New("invalid topic name")
	ErrInvalidPartitions = errors.New("invalid number of partitions")
	ErrInvalidReplicas   = errors.New("invalid replication factor")
	ErrUnknownPartition  = errors.New("partition does not exist")
)

// MaxNameLength is Kafka's limit on topic names.
const MaxNameLength = 249

// ID is a topic's 16-byte UUID (KIP-516). The zero ID means "no id".
type ID [16]byte

// String renders the id as Kafka's tools do for logs: hex.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// ParseID parses the 32 hex digits String writes.
func ParseID(s string) (ID, error) {
	var id ID
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != len(id) {
		return ID{}, fmt.Errorf("topic id %q is not 32 hex digits", s)
	}
	copy(id[:], raw)
	return id, nil
}

// IsZero reports whether id is unset.
func (id ID) IsZero() bool { return id == ID{} }

// Topic is a topic's durable description.
type Topic struct {
	Name       string
	ID         ID
	Partitions int32
	Configs    map[string]string // only explicitly set keys; defaults come from Config
}

// Partition names one partition of a topic.
type Partition struct {
	Topic string
	Index int32
}

func (p Partition) String() string { return fmt.Sprintf("%s-%d", p.Topic, p.Index) }

// Partition returns partition index of t, or an error wrapping
// ErrUnknownPartition that names the topic and its partition count when
// index is out of range. It is the one partition range check: callers map
// the error to their protocol's code.
func (t Topic) Partition(index int32) (Partition, error) {
	if index < 0 || index >= t.Partitions {
		return Partition{}, &unknownPartitionError{topic: t.Name, index: index, count: t.Partitions}
	}
	return Partition{Topic: t.Name, Index: index}, nil
}

// unknownPartitionError is ErrUnknownPartition with the details a user
// needs, in the message a client shows.
type unknownPartitionError struct {
	topic        string
	index, count int32
}

func (e *unknownPartitionError) Error() string {
	return fmt.Sprintf("topic %q: partition %d does not exist (topic has %d partitions)", e.topic, e.index, e.count)
}

func (e *unknownPartitionError) Unwrap() error { return ErrUnknownPartition }

// ValidateName applies Kafka's rules for topic names.
func ValidateName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: the name is empty", ErrInvalidName)
	case name == "." || name == "..":
		return fmt.Errorf("%w: %q is reserved", ErrInvalidName, name)
	case len(name) > MaxNameLength:
		return fmt.Errorf("%w: %q is %d characters long (at most %d)", ErrInvalidName, name, len(name), MaxNameLength)
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("%w: %q contains %q (allowed: ASCII letters, digits, '.', '_' and '-')", ErrInvalidName, name, c)
		}
	}
	return nil
}

// IsInternal reports whether the name is one of Kafka's internal topics.
func IsInternal(name string) bool {
	return name == "__consumer_offsets" || name == "__transaction_state"
}

// ValidatePartitions checks a partition count for a new topic.
func ValidatePartitions(n int32) error {
	if n <= 0 {
		return fmt.Errorf("%w: %d (must be at least 1)", ErrInvalidPartitions, n)
	}
	if n > MaxPartitions {
		return fmt.Errorf("%w: %d (at most %d per topic)", ErrInvalidPartitions, n, MaxPartitions)
	}
	return nil
}

// MaxPartitions bounds one topic's partition count so that a typo cannot exhaust the disk.
const MaxPartitions = 10000

// HasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
