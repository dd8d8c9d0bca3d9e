package kafkawire

// DescribeLogDirs, v0–v4.
//
// One log directory, the node's data directory, with the size of every
// partition (null topics: all). v4 adds the file system's total and usable
// bytes.

import (
	"syscall"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(35, 0, 4, handleDescribeLogDirs) }

func handleDescribeLogDirs(r *request, req *kmsg.DescribeLogDirsRequest, resp *kmsg.DescribeLogDirsResponse) error {
	svc := r.conn.srv.svc
	dir := kmsg.NewDescribeLogDirsResponseDir()
	dir.Dir = r.conn.srv.cfg.DataDir
	dir.TotalBytes, dir.UsableBytes = -1, -1
	var st syscall.Statfs_t
	if syscall.Statfs(dir.Dir, &st) == nil {
		dir.TotalBytes = int64(st.Blocks) * int64(st.Bsize)
		dir.UsableBytes = int64(st.Bavail) * int64(st.Bsize)
	}
	describe := func(t topic.Topic, parts []int32) {
		dt := kmsg.NewDescribeLogDirsResponseDirTopic()
		dt.Topic = t.Name
		for _, index := range parts {
			p, err := t.Partition(index)
			if err != nil {
				continue
			}
			size, err := svc.Fetch.Size(p)
			if err != nil {
				continue
			}
			dp := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
			dp.Partition, dp.Size = index, size
			dt.Partitions = append(dt.Partitions, dp)
		}
		dir.Topics = append(dir.Topics, dt)
	}
	if req.Topics == nil {
		for _, t := range svc.Topics.List() {
			parts := make([]int32, t.Partitions)
			for i := range parts {
				parts[i] = int32(i)
			}
			describe(t, parts)
		}
	} else {
		for _, rt := range req.Topics {
			if t, ok := svc.Topics.Get(rt.Topic); ok {
				describe(t, rt.Partitions)
			}
		}
	}
	resp.Dirs = []kmsg.DescribeLogDirsResponseDir{dir}
	return nil
}
