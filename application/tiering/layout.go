package tiering

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/chronik-stream/chronik/domain/topic"
)

// Object-store keys. See doc.go for the whole layout.
const (
	latestKey       = "metadata/latest.json"
	snapshotsPrefix = "metadata/snapshots/"
	dataSuffix      = ".batches"
	indexSuffix     = ".index"
	manifestName    = "manifest.json"
	// metaManifestPrefix is where the metastore keeps each partition's
	// manifest (the node's own copy; the bucket's is for disaster recovery).
	metaManifestPrefix = "tier/manifest/"
	manifestVersion    = 1
)

// partitionPrefix is the bucket folder of one partition of one topic
// incarnation: a topic deleted and created again gets a new folder.
func partitionPrefix(tp topic.Partition, id topic.ID) string {
	return "tier/" + tp.Topic + "-" + id.String() + "/" + strconv.FormatInt(int64(tp.Index), 10) + "/"
}

func manifestKey(tp topic.Partition, id topic.ID) string {
	return partitionPrefix(tp, id) + manifestName
}

func objectKey(tp topic.Partition, id topic.ID, base, end int64) string {
	return fmt.Sprintf("%s%020d-%020d%s", partitionPrefix(tp, id), base, end, dataSuffix)
}

func indexKey(dataKey string) string {
	return dataKey[:len(dataKey)-len(dataSuffix)] + indexSuffix
}

func metaManifestKey(tp topic.Partition) []byte {
	return []byte(metaManifestPrefix + tp.Topic + "/" + strconv.FormatInt(int64(tp.Index), 10))
}

func snapshotKey(seq int64) string { return fmt.Sprintf("%s%020d.snap", snapshotsPrefix, seq) }

// object is one uploaded stretch of a partition log: whole record batches
// holding offsets [Base, End), back to back, as the log stored them.
type object struct {
	Base         int64  `json:"base"`
	End          int64  `json:"end"`
	Bytes        int64  `json:"bytes"`
	MaxTimestamp int64  `json:"max_timestamp"`
	Key          string `json:"key"`
}

// manifest says which offsets of a partition live in the object store.
// Offsets [LogStart, End) are the remote tier, held by Objects in ascending
// order. Offsets in no object are holes: records lost with a node's disk
// before they were uploaded (see restore.go); a read there gets the next
// record that exists. Objects wholly below LogStart wait to be deleted. A
// published manifest is never modified; a change makes a new one.
type manifest struct {
	Version   int      `json:"version"`
	Topic     string   `json:"topic"`
	Partition int32    `json:"partition"`
	TopicID   string   `json:"topic_id"`
	LogStart  int64    `json:"log_start"`
	End       int64    `json:"end"`
	Objects   []object `json:"objects"`
}

func newManifest(tp topic.Partition, id topic.ID, start int64) *manifest {
	return &manifest{Version: manifestVersion, Topic: tp.Topic, Partition: tp.Index, TopicID: id.String(), LogStart: start, End: start}
}

// objectsEnd is the offset after the last uploaded record.
func (m *manifest) objectsEnd() int64 {
	if n := len(m.Objects); n > 0 {
		return m.Objects[n-1].End
	}
	return m.LogStart
}

// remoteBytes is the size of the objects holding offsets at or above
// LogStart.
func (m *manifest) remoteBytes() int64 {
	var n int64
	for _, o := range m.Objects {
		if o.End > m.LogStart {
			n += o.Bytes
		}
	}
	return n
}

// clone returns a copy whose Objects slice may be changed.
func (m *manifest) clone() *manifest {
	c := *m
	c.Objects = append([]object(nil), m.Objects...)
	return &c
}

func (m *manifest) id() (topic.ID, error) { return topic.ParseID(m.TopicID) }

func encodeManifest(m *manifest) []byte {
	b, _ := json.Marshal(m)
	return append(b, '\n')
}

// decodeManifest parses and checks a manifest: contiguous objects inside
// [.., End], LogStart within [first base, End].
func decodeManifest(b []byte) (*manifest, error) {
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("tier manifest: %w", err)
	}
	if m.Version != manifestVersion {
		return nil, fmt.Errorf("tier manifest version %d, this build reads %d", m.Version, manifestVersion)
	}
	if _, err := m.id(); err != nil {
		return nil, fmt.Errorf("tier manifest of %s-%d: %w", m.Topic, m.Partition, err)
	}
	prev := int64(0)
	for i, o := range m.Objects {
		if o.Base < 0 || o.End <= o.Base || o.Bytes <= 0 || o.Key == "" || o.Base < prev {
			return nil, fmt.Errorf("tier manifest of %s-%d: object %d [%d, %d) overlaps the previous one or is empty", m.Topic, m.Partition, i, o.Base, o.End)
		}
		prev = o.End
	}
	if m.LogStart < 0 || m.End < m.objectsEnd() || m.LogStart > m.End || (len(m.Objects) > 0 && m.LogStart < m.Objects[0].Base) {
		return nil, fmt.Errorf("tier manifest of %s-%d: log start %d and end %d do not fit its objects", m.Topic, m.Partition, m.LogStart, m.End)
	}
	return &m, nil
}
