package schemaformattest

import (
	"strings"
	"sync"

	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// Gated is the toy format Fields with a slow parse the test controls:
// parsing a text with a leading space sends on Entered, then waits until
// Open is called.
type Gated struct {
	Fields
	Entered chan struct{}
	release chan struct{}
	once    sync.Once
}

// NewGated returns a Gated whose Entered holds up to entered sends that
// nobody has received yet.
func NewGated(entered int) *Gated {
	return &Gated{Entered: make(chan struct{}, entered), release: make(chan struct{})}
}

// Parse is Fields.Parse, after the wait for a text with a leading space.
func (g *Gated) Parse(text string, refs []schemaformat.Ref) (schemaformat.Parsed, error) {
	if strings.HasPrefix(text, " ") {
		g.Entered <- struct{}{}
		<-g.release
	}
	return g.Fields.Parse(text, refs)
}

// Open lets the parses waiting, and all to come, through. Calling it again
// does nothing.
func (g *Gated) Open() { g.once.Do(func() { close(g.release) }) }
