package protoformat

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/reporter"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// maxErrors is how many compiler errors one Parse reports.
const maxErrors = 10

// mainFileName is the name the schema being parsed compiles under; it shows
// in error positions ("schema.proto:3:5: ..."). A reference with the same
// name pushes it aside (see fileName).
const mainFileName = "schema.proto"

// compile compiles text, whose imports are resolved from refs, then from the
// files Confluent knows without references (google/protobuf/*, google/type/*,
// confluent/*). The result keeps its AST for the printer.
func compile(text string, refs []schemaformat.Ref) (linker.Result, error) {
	sources := make(map[string]string, len(refs)+1)
	for _, r := range refs {
		sources[r.Name] = r.Text // a later duplicate wins, as in Confluent
	}
	name := fileName(sources)
	sources[name] = text

	var (
		mu   sync.Mutex // the compiler may report from its goroutines
		errs []string
	)
	rep := reporter.NewReporter(
		func(e reporter.ErrorWithPos) error {
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, e.Error())
			if len(errs) >= maxErrors {
				return e
			}
			return nil
		},
		func(reporter.ErrorWithPos) {},
	)
	c := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(resolver{sources: sources}),
		MaxParallelism: 1,
		Reporter:       rep,
		SourceInfoMode: protocompile.SourceInfoNone,
		RetainASTs:     true,
	}
	files, cerr := c.Compile(context.Background(), name)
	mu.Lock()
	defer mu.Unlock()
	if cerr != nil || len(errs) > 0 {
		return nil, compileError(cerr, errs)
	}
	r, ok := files[0].(linker.Result)
	if !ok || r.AST() == nil {
		return nil, fmt.Errorf("%w: the Protobuf compiler returned no syntax tree", schema.ErrInvalidSchema)
	}
	return r, nil
}

// compileError wraps the compiler's messages (each "file:line:col: what").
func compileError(err error, msgs []string) error {
	var panicErr protocompile.PanicError
	switch {
	case errors.As(err, &panicErr):
		return fmt.Errorf("%w: the Protobuf compiler failed on this schema: %v", schema.ErrInvalidSchema, panicErr.Value)
	case len(msgs) == 0 && err != nil:
		msgs = []string{err.Error()}
	case err != nil && !errors.Is(err, reporter.ErrInvalidSource) && !slices.Contains(msgs, err.Error()):
		msgs = append(msgs, err.Error())
	}
	return fmt.Errorf("%w: %s", schema.ErrInvalidSchema, strings.Join(msgs, "; "))
}

// fileName picks the main file's name: mainFileName unless a reference has
// taken it.
func fileName(sources map[string]string) string {
	name := mainFileName
	for i := 1; ; i++ {
		if _, taken := sources[name]; !taken {
			return name
		}
		name = fmt.Sprintf("schema_%d.proto", i)
	}
}

// resolver finds the schema, its references, and the files Confluent
// resolves without a reference. protocompile.WithStandardImports, wrapped
// around it, supplies google/protobuf/*.proto when it finds nothing, so a
// reference may shadow a well-known file, as in Confluent.
type resolver struct {
	sources map[string]string
}

func (r resolver) FindFileByPath(path string) (protocompile.SearchResult, error) {
	if text, ok := r.sources[path]; ok {
		return protocompile.SearchResult{Source: strings.NewReader(text)}, nil
	}
	if text, ok := confluentFiles[path]; ok {
		return protocompile.SearchResult{Source: strings.NewReader(text)}, nil
	}
	if fd, ok := googleTypes[path]; ok {
		return protocompile.SearchResult{Desc: fd}, nil
	}
	return protocompile.SearchResult{}, missingImport(path)
}

// missingImport is the error for an import nothing provides.
type missingImport string

func (m missingImport) Error() string {
	return fmt.Sprintf("import %q is not among the schema's references (register it and list it in references under that name)", string(m))
}

func (missingImport) Is(target error) bool { return target == fs.ErrNotExist }
