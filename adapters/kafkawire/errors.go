package kafkawire

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/producer"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
)

// errorMapping is one row of errorCodes.
type errorMapping struct {
	err  error
	code *kerr.Error
}

// errorCodes is the one table that turns domain errors into Kafka error
// codes. The first entry that errors.Is matches wins.
var errorCodes = []errorMapping{
	{topic.ErrUnknown, kerr.UnknownTopicOrPartition},
	{topic.ErrUnknownPartition, kerr.UnknownTopicOrPartition},
	{topic.ErrExists, kerr.TopicAlreadyExists},
	{topic.ErrInvalidName, kerr.InvalidTopicException},
	{topic.ErrInvalidPartitions, kerr.InvalidPartitions},
	{topic.ErrInvalidReplicas, kerr.InvalidReplicationFactor},
	{topic.ErrInvalidConfig, kerr.InvalidConfig},
	{topic.ErrInvalidReplicaAssignment, kerr.InvalidReplicaAssignment},
	{topic.ErrInvalidRequest, kerr.InvalidRequest},
	{topic.ErrInternal, kerr.InvalidRequest},

	{log.ErrOffsetOutOfRange, kerr.OffsetOutOfRange},
	{log.ErrUnknownPartition, kerr.UnknownTopicOrPartition},
	// Stored data gone bad (log.IsCorruption): the client gets the code's
	// standard text (internalError), the log the details.
	{log.ErrCorrupt, kerr.CorruptMessage},
	{log.ErrPoisoned, kerr.KafkaStorageError},
	{log.ErrClosed, kerr.NotLeaderForPartition},
	{log.ErrTooLarge, kerr.MessageTooLarge},
	{log.ErrRemoteUnavailable, kerr.KafkaStorageError},

	// The client sent a batch whose checksum is wrong: not corruption of
	// the log, so its message (which CRC was expected) reaches the client.
	{record.ErrChecksum, kerr.CorruptMessage},
	{record.ErrMalformed, kerr.CorruptMessage},
	{record.ErrMagic, kerr.UnsupportedForMessageFormat},
	{record.ErrInvalidRecord, kerr.InvalidRecord},
	{record.ErrInvalidTimestamp, kerr.InvalidTimestamp},

	{group.ErrUnknownMember, kerr.UnknownMemberID},
	{group.ErrIllegalGeneration, kerr.IllegalGeneration},
	{group.ErrRebalanceInProgress, kerr.RebalanceInProgress},
	{group.ErrInconsistentProtocol, kerr.InconsistentGroupProtocol},
	{group.ErrInvalidSessionTimeout, kerr.InvalidSessionTimeout},
	{group.ErrMemberIDRequired, kerr.MemberIDRequired},
	{group.ErrFencedInstanceID, kerr.FencedInstanceID},
	{group.ErrGroupIDNotFound, kerr.GroupIDNotFound},
	{group.ErrNonEmptyGroup, kerr.NonEmptyGroup},
	{group.ErrInvalidGroupID, kerr.InvalidGroupID},
	{group.ErrCoordinatorNotAvailable, kerr.CoordinatorNotAvailable},
	{group.ErrGroupMaxSizeReached, kerr.GroupMaxSizeReached},
	{group.ErrOffsetMetadataTooLarge, kerr.OffsetMetadataTooLarge},
	{group.ErrMemberTooLarge, kerr.MessageTooLarge},
	{group.ErrUnknownTopicSubscription, kerr.GroupSubscribedToTopic},
	{group.ErrFencedMemberEpoch, kerr.FencedMemberEpoch},
	{group.ErrStaleMemberEpoch, kerr.StaleMemberEpoch},
	{group.ErrUnsupportedAssignor, kerr.UnsupportedAssignor},
	{group.ErrUnreleasedInstanceID, kerr.UnreleasedInstanceID},
	{group.ErrInvalidRequest, kerr.InvalidRequest},
	{group.ErrInvalidRegex, kerr.InvalidRegularExpression},

	{producer.ErrInvalidEpoch, kerr.InvalidProducerEpoch},
	{producer.ErrOutOfOrder, kerr.OutOfOrderSequenceNumber},
	{producer.ErrUnknown, kerr.UnknownProducerID},
	// Kafka's answer to a transactional id the client may not use: clients
	// treat it as fatal and say so at once (see 10_find_coordinator.go).
	{producer.ErrTransactionsUnsupported, kerr.TransactionalIDAuthorizationFailed},

	{context.DeadlineExceeded, kerr.RequestTimedOut},
	{context.Canceled, kerr.RequestTimedOut},
}

// errorCode maps err to a Kafka error code; 0 for nil, UNKNOWN_SERVER_ERROR
// for anything unmapped.
func errorCode(err error) int16 {
	if err == nil {
		return 0
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Code
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return e.code.Code
		}
	}
	return kerr.UnknownServerError.Code
}

// requestedPartition resolves a partition that a request names in a topic
// it looked up once (t, known): the partition, or the code that answers for
// it instead, UNKNOWN_TOPIC_OR_PARTITION for an unknown topic or index.
func requestedPartition(t topic.Topic, known bool, index int32) (topic.Partition, int16) {
	if !known {
		return topic.Partition{}, kerr.UnknownTopicOrPartition.Code
	}
	p, err := t.Partition(index)
	return p, errorCode(err)
}

// errorMessage is the message to send for err in responses that carry one.
func errorMessage(err error) *string {
	if err == nil {
		return nil
	}
	m := err.Error()
	if internalError(err) {
		// Storage failures name files and directories: the client gets
		// the code's standard text, the log keeps the details.
		m = kerr.ErrorForCode(errorCode(err)).(*kerr.Error).Description
	}
	return &m
}

// internalError reports whether err is the server's own failure, whose
// message is not for clients: unmapped, or a storage failure.
func internalError(err error) bool {
	return errorCode(err) == kerr.UnknownServerError.Code ||
		log.IsCorruption(err) || errors.Is(err, log.ErrPoisoned) || errors.Is(err, log.ErrRemoteUnavailable)
}
