package tiering

import (
	"container/list"
	"sync"
	"sync/atomic"
)

// blockSize is the unit in which remote objects are fetched and cached: a
// read of one batch costs one ranged GET of at most this much (two when it
// straddles a block boundary), not the whole object.
const blockSize = 1 << 20

type blockID struct {
	key   string
	block int64
}

// blockCache is a least-recently-used cache of object blocks bounded in
// bytes. Safe for concurrent use.
type blockCache struct {
	limit int64

	mu    sync.Mutex
	used  int64
	order *list.List // of *cached, most recent first
	items map[blockID]*list.Element

	hits, misses atomic.Int64
}

type cached struct {
	id   blockID
	data []byte
}

func newBlockCache(limit int64) *blockCache {
	return &blockCache{limit: limit, order: list.New(), items: map[blockID]*list.Element{}}
}

// get returns a cached block (never to be modified) and counts the lookup.
func (c *blockCache) get(id blockID) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[id]
	if !ok {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	c.order.MoveToFront(e)
	return e.Value.(*cached).data, true
}

// put caches a block, evicting the least recently used ones beyond the
// limit. A block larger than the whole cache is not kept.
func (c *blockCache) put(id blockID, data []byte) {
	if int64(len(data)) > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		c.used -= int64(len(e.Value.(*cached).data))
		e.Value.(*cached).data = data
		c.used += int64(len(data))
		c.order.MoveToFront(e)
	} else {
		c.items[id] = c.order.PushFront(&cached{id: id, data: data})
		c.used += int64(len(data))
	}
	for c.used > c.limit {
		e := c.order.Back()
		v := e.Value.(*cached)
		c.order.Remove(e)
		delete(c.items, v.id)
		c.used -= int64(len(v.data))
	}
}

// dropKey forgets every block of one object (deleted from the store).
func (c *blockCache) dropKey(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, e := range c.items {
		if id.key == key {
			c.used -= int64(len(e.Value.(*cached).data))
			c.order.Remove(e)
			delete(c.items, id)
		}
	}
}

func (c *blockCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
