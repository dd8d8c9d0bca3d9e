package protoformat

import (
	"sort"
	"testing"

	"github.com/bufbuild/protocompile/linker"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// sameMeaning checks that printed, compiled again, gives the descriptors
// of orig, up to what printing may reorder. Options are compared only for
// the canonical form: the normalized one sorts fields inside option
// message literals, which reorders their serialized bytes.
func sameMeaning(t *testing.T, orig, printed schemaformat.Parsed, withOptions bool) {
	t.Helper()
	// Custom options are unknown fields of the descriptor protos, which
	// protocompile serializes in no fixed order: decode them with the
	// original file's extensions (for both sides, so they compare).
	types := linker.ResolverFromFile(orig.(*parsed).file.(linker.File))
	a := comparableFile(protodesc.ToFileDescriptorProto(orig.(*parsed).file), types, withOptions)
	b := comparableFile(protodesc.ToFileDescriptorProto(printed.(*parsed).file), types, withOptions)
	if !proto.Equal(a, b) {
		t.Fatalf("the printed schema compiles to other descriptors:\n%s\n--- printed:\n%s", prototext.Format(a), prototext.Format(b))
	}
}

// comparableFile returns a copy of f in the order the printer may change:
// imports, fields, oneofs, extension and reserved ranges, extensions and
// enum values after the first sorted; map entries and group bodies after
// the other nested messages.
func comparableFile(f *descriptorpb.FileDescriptorProto, types linker.Resolver, withOptions bool) *descriptorpb.FileDescriptorProto {
	f = proto.Clone(f).(*descriptorpb.FileDescriptorProto)
	f.SourceCodeInfo, f.Name = nil, nil
	decodeOptions(f.ProtoReflect(), types)
	type dep struct {
		name         string
		public, weak bool
	}
	deps := make([]dep, len(f.Dependency))
	for i, d := range f.Dependency {
		deps[i].name = d
	}
	for _, i := range f.PublicDependency {
		deps[i].public = true
	}
	for _, i := range f.WeakDependency {
		deps[i].weak = true
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].name < deps[j].name })
	f.Dependency, f.PublicDependency, f.WeakDependency = nil, nil, nil
	for i, d := range deps {
		f.Dependency = append(f.Dependency, d.name)
		if d.public {
			f.PublicDependency = append(f.PublicDependency, int32(i))
		}
		if d.weak {
			f.WeakDependency = append(f.WeakDependency, int32(i))
		}
	}
	sortSynthetic(f.MessageType, nil, f.Extension)
	for _, m := range f.MessageType {
		comparableMessage(m, withOptions)
	}
	for _, e := range f.EnumType {
		comparableEnum(e, withOptions)
	}
	sortExtensions(f.Extension, withOptions)
	for _, s := range f.Service {
		if !withOptions {
			s.Options = nil
			for _, m := range s.Method {
				m.Options = nil
			}
		}
	}
	if !withOptions {
		f.Options = nil
	}
	return f
}

// decodeOptions decodes the custom options in every options message under
// m with types, and clears options messages with nothing set ("rpc M (A)
// returns (B) {}" declares an empty one, printed without the braces).
func decodeOptions(m protoreflect.Message, types linker.Resolver) {
	var empty []protoreflect.FieldDescriptor
	decoded := map[protoreflect.FieldDescriptor]protoreflect.Message{}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Message() == nil || fd.IsMap():
		case fd.IsList():
			for i := range v.List().Len() {
				decodeOptions(v.List().Get(i).Message(), types)
			}
		case fd.Name() == "options":
			raw, err := proto.Marshal(v.Message().Interface())
			if err != nil {
				panic(err)
			}
			if len(raw) == 0 {
				empty = append(empty, fd)
				break
			}
			opts := v.Message().New()
			if err := (proto.UnmarshalOptions{Resolver: types}).Unmarshal(raw, opts.Interface()); err != nil {
				panic(err)
			}
			decoded[fd] = opts
		default:
			decodeOptions(v.Message(), types)
		}
		return true
	})
	for _, fd := range empty {
		m.Clear(fd)
	}
	for fd, opts := range decoded {
		m.Set(fd, protoreflect.ValueOfMessage(opts))
	}
}

func comparableMessage(m *descriptorpb.DescriptorProto, withOptions bool) {
	sort.SliceStable(m.Field, func(i, j int) bool { return m.Field[i].GetNumber() < m.Field[j].GetNumber() })
	// Oneofs in the order of their first field; fields follow the move.
	first := make([]int32, len(m.OneofDecl))
	for i := range first {
		first[i] = -1
	}
	for _, fd := range m.Field {
		if fd.OneofIndex != nil && first[fd.GetOneofIndex()] == -1 {
			first[fd.GetOneofIndex()] = fd.GetNumber()
		}
	}
	order := make([]int, len(m.OneofDecl))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return first[order[i]] < first[order[j]] })
	newIndex := make([]int32, len(order))
	decls := make([]*descriptorpb.OneofDescriptorProto, len(order))
	for to, from := range order {
		newIndex[from] = int32(to)
		decls[to] = m.OneofDecl[from]
	}
	m.OneofDecl = decls
	for _, fd := range m.Field {
		if fd.OneofIndex != nil {
			fd.OneofIndex = proto.Int32(newIndex[fd.GetOneofIndex()])
		}
		if !withOptions {
			fd.Options = nil
		}
	}
	sortSynthetic(m.NestedType, m.Field, m.Extension)
	for _, n := range m.NestedType {
		comparableMessage(n, withOptions)
	}
	for _, e := range m.EnumType {
		comparableEnum(e, withOptions)
	}
	sortExtensions(m.Extension, withOptions)
	sortByStart(m.ExtensionRange)
	sortReserved(m.ReservedRange, m.ReservedName)
	if !withOptions {
		m.Options = nil
		for _, o := range m.OneofDecl {
			o.Options = nil
		}
		for _, r := range m.ExtensionRange {
			r.Options = nil
		}
	}
}

// sortSynthetic moves map entries and group bodies after the other
// messages of a scope, in name order: the printer writes them with their
// fields, before the scope's messages.
func sortSynthetic(msgs []*descriptorpb.DescriptorProto, fields, exts []*descriptorpb.FieldDescriptorProto) {
	synthetic := map[string]bool{}
	for _, fd := range append(append([]*descriptorpb.FieldDescriptorProto(nil), fields...), exts...) {
		if fd.GetType() == descriptorpb.FieldDescriptorProto_TYPE_GROUP {
			synthetic[lastName(fd.GetTypeName())] = true
		}
	}
	for _, n := range msgs {
		if n.GetOptions().GetMapEntry() {
			synthetic[n.GetName()] = true
		}
	}
	sort.SliceStable(msgs, func(i, j int) bool {
		a, b := msgs[i], msgs[j]
		if synthetic[a.GetName()] != synthetic[b.GetName()] {
			return !synthetic[a.GetName()]
		}
		return synthetic[a.GetName()] && a.GetName() < b.GetName()
	})
}

func comparableEnum(e *descriptorpb.EnumDescriptorProto, withOptions bool) {
	if len(e.Value) > 1 {
		rest := e.Value[1:]
		sort.SliceStable(rest, func(i, j int) bool {
			if rest[i].GetNumber() != rest[j].GetNumber() {
				return rest[i].GetNumber() < rest[j].GetNumber()
			}
			return rest[i].GetName() < rest[j].GetName()
		})
	}
	sortReserved(e.ReservedRange, e.ReservedName)
	if !withOptions {
		e.Options = nil
		for _, v := range e.Value {
			v.Options = nil
		}
	}
}

// sortByStart sorts ranges (of extensions, reserved numbers) by their start.
func sortByStart[R interface{ GetStart() int32 }](ranges []R) {
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].GetStart() < ranges[j].GetStart() })
}

// sortReserved sorts a message's or an enum's reserved ranges and names.
func sortReserved[R interface{ GetStart() int32 }](ranges []R, names []string) {
	sortByStart(ranges)
	sort.Strings(names)
}

func sortExtensions(exts []*descriptorpb.FieldDescriptorProto, withOptions bool) {
	sort.SliceStable(exts, func(i, j int) bool {
		if exts[i].GetExtendee() != exts[j].GetExtendee() {
			return exts[i].GetExtendee() < exts[j].GetExtendee()
		}
		return exts[i].GetNumber() < exts[j].GetNumber()
	})
	if !withOptions {
		for _, x := range exts {
			x.Options = nil
		}
	}
}
