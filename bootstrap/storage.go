package bootstrap

import (
	"fmt"
	"io/fs"

	"github.com/chronik-stream/chronik/adapters/logstore/segmentlog"
	"github.com/chronik-stream/chronik/application/topics"
)

// Storage holds the settings that bound what the node keeps on disk and
// how it is opened: partitions, open segment files, file modes.
type Storage struct {
	// MaxPartitions bounds the partitions of all topics on the node;
	// MaxPartitionsPerRequest those one CreateTopics, CreatePartitions or
	// auto-creating Metadata request adds. Past them the request gets
	// INVALID_PARTITIONS with a message.
	MaxPartitions           int `toml:"max_partitions"`
	MaxPartitionsPerRequest int `toml:"max_partitions_per_request"`
	// MaxOpenSegments bounds the segment files open at once; 0 takes half
	// of the open-file limit (RLIMIT_NOFILE).
	MaxOpenSegments int `toml:"max_open_segments"`
	// DataGroupReadable makes the data files 0640 and directories 0750
	// instead of 0600 and 0700 (e.g. for a backup agent in the group).
	DataGroupReadable bool `toml:"data_group_readable"`
}

func defaultStorage() Storage {
	return Storage{
		MaxPartitions:           topics.DefaultMaxPartitions,
		MaxPartitionsPerRequest: topics.DefaultMaxPartitionsPerRequest,
	}
}

var storageVars = []envVar{
	{"CHRONIK_MAX_PARTITIONS", intVar(func(c *Config) *int { return &c.MaxPartitions })},
	{"CHRONIK_MAX_PARTITIONS_PER_REQUEST", intVar(func(c *Config) *int { return &c.MaxPartitionsPerRequest })},
	{"CHRONIK_MAX_OPEN_SEGMENTS", intVar(func(c *Config) *int { return &c.MaxOpenSegments })},
	{"CHRONIK_DATA_GROUP_READABLE", boolVar(func(c *Config) *bool { return &c.DataGroupReadable })},
}

// minOpenSegments is the smallest budget of open segment files accepted.
const minOpenSegments = 16

func (s Storage) validate() []string {
	var problems []string
	if s.MaxPartitions < 1 {
		problems = append(problems, fmt.Sprintf("CHRONIK_MAX_PARTITIONS %d must be at least 1", s.MaxPartitions))
	}
	if s.MaxPartitionsPerRequest < 1 {
		problems = append(problems, fmt.Sprintf("CHRONIK_MAX_PARTITIONS_PER_REQUEST %d must be at least 1", s.MaxPartitionsPerRequest))
	}
	if s.MaxOpenSegments != 0 && s.MaxOpenSegments < minOpenSegments {
		problems = append(problems, fmt.Sprintf("CHRONIK_MAX_OPEN_SEGMENTS %d must be 0 (half of the open-file limit) or at least %d", s.MaxOpenSegments, minOpenSegments))
	}
	return problems
}

// modes returns the permission bits of data files and directories.
func (s Storage) modes() (files, dirs fs.FileMode) {
	if s.DataGroupReadable {
		return 0o640, 0o750
	}
	return segmentlog.DefaultFileMode, segmentlog.DefaultDirMode
}

// umask is what the process umask becomes, for files created by libraries
// (pebble) that ask for 0666.
func (s Storage) umask() int {
	if s.DataGroupReadable {
		return 0o027
	}
	return 0o077
}
