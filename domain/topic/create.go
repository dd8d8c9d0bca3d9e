package topic

import (
	"errors"
	"fmt"
)

// Errors of a CreateTopics request as a whole, as opposed to one topic's
// settings. Inbound adapters map them to protocol codes.
var (
	// ErrInvalidReplicaAssignment: a manual assignment names brokers that do
	// not exist or is otherwise unusable.
	ErrInvalidReplicaAssignment = errors.New("invalid replica assignment")
	// ErrInvalidRequest: the request contradicts itself, e.g. names the same
	// topic twice, or gives both a manual assignment and a partition count.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrInternal: the name is one of Kafka's internal topics, which belong
	// to the broker and are never created by a client.
	ErrInternal = errors.New("internal topic")
)

// ValidateCreatable checks that a client may create a topic of this name:
// a valid name that is not one of Kafka's internal topics. Chronik keeps
// committed offsets and (later) transaction state in its metadata store, so
// a plain topic under those names would only mislead tools that read it.
func ValidateCreatable(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if IsInternal(name) {
		return fmt.Errorf("%w: creation of internal topic %s is prohibited (this broker keeps its contents in its metadata store)", ErrInternal, name)
	}
	return nil
}
