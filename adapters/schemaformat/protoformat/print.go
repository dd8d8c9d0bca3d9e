package protoformat

import (
	"bytes"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/linker"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// printer prints a compiled file as .proto text: the structure comes from
// the linked descriptor protos (what the compiler understood), the spelling
// of type references and option values from the syntax tree (what the
// author wrote). With norm set it prints the normalized form instead: type
// references and extension names fully qualified, options, imports, fields,
// oneofs, ranges and enum values (after the first) sorted, default
// json_name options dropped.
type printer struct {
	res    linker.Result
	lookup linker.Resolver
	norm   bool
	syntax protoreflect.Syntax
	buf    bytes.Buffer
}

// printFile returns the canonical (norm false) or normalized text of res,
// which must still have its AST.
func printFile(res linker.Result, norm bool) string {
	p := &printer{res: res, lookup: linker.ResolverFromFile(res), norm: norm, syntax: res.Syntax()}
	p.file()
	return p.buf.String()
}

func (p *printer) line(ind int, parts ...string) {
	for range ind {
		p.buf.WriteString("  ")
	}
	for _, s := range parts {
		p.buf.WriteString(s)
	}
	p.buf.WriteByte('\n')
}

func (p *printer) file() {
	fd := p.res.FileDescriptorProto()
	switch p.syntax {
	case protoreflect.Editions:
		p.line(0, `edition = "`, strings.TrimPrefix(fd.GetEdition().String(), "EDITION_"), `";`)
	case protoreflect.Proto3:
		p.line(0, `syntax = "proto3";`)
	default:
		p.line(0, `syntax = "proto2";`)
	}
	scope := fd.GetPackage()
	if scope != "" {
		p.line(0, "package ", scope, ";")
	}

	if deps := p.imports(fd); len(deps) > 0 {
		p.buf.WriteByte('\n')
		for _, d := range deps {
			p.line(0, d)
		}
	}
	if opts := p.optionStmts(p.res.AST(), scope); len(opts) > 0 {
		p.buf.WriteByte('\n')
		for _, o := range opts {
			p.line(0, o)
		}
	}
	groups := p.groupMessages(fd.GetExtension(), nil)
	for _, md := range fd.GetMessageType() {
		if !groups[md.GetName()] {
			p.buf.WriteByte('\n')
			p.message(0, md, scope)
		}
	}
	for _, ed := range fd.GetEnumType() {
		p.buf.WriteByte('\n')
		p.enum(0, ed, scope)
	}
	if len(fd.GetExtension()) > 0 {
		p.buf.WriteByte('\n')
		p.extends(0, fd.GetExtension(), fd.GetMessageType(), scope)
	}
	for _, sd := range fd.GetService() {
		p.buf.WriteByte('\n')
		p.service(sd, scope)
	}
}

// imports returns the import statements, in declaration order (sorted when
// normalizing).
func (p *printer) imports(fd *descriptorpb.FileDescriptorProto) []string {
	public, weak := map[int32]bool{}, map[int32]bool{}
	for _, i := range fd.GetPublicDependency() {
		public[i] = true
	}
	for _, i := range fd.GetWeakDependency() {
		weak[i] = true
	}
	var out []string
	for i, dep := range fd.GetDependency() {
		kw := "import "
		switch {
		case public[int32(i)]:
			kw = "import public "
		case weak[int32(i)]:
			kw = "import weak "
		}
		out = append(out, kw+quote(dep)+";")
	}
	if p.norm {
		sort.Slice(out, func(i, j int) bool { return importPath(out[i]) < importPath(out[j]) })
	}
	return out
}

func importPath(stmt string) string { return stmt[strings.IndexByte(stmt, '"'):] }

// groupMessages names the messages of a scope that are the bodies of proto2
// group fields (fields or extensions declared there): they are printed
// inside their group field, not on their own.
func (p *printer) groupMessages(exts, fields []*descriptorpb.FieldDescriptorProto) map[string]bool {
	out := map[string]bool{}
	for _, list := range [][]*descriptorpb.FieldDescriptorProto{fields, exts} {
		for _, f := range list {
			if _, ok := p.res.FieldNode(f).(*ast.GroupNode); ok {
				out[lastName(f.GetTypeName())] = true
			}
		}
	}
	return out
}

// message prints a message declaration.
func (p *printer) message(ind int, md *descriptorpb.DescriptorProto, scope string) {
	name := join(scope, md.GetName())
	p.block(ind, "message "+md.GetName(), func() { p.messageBody(ind+1, md, name) })
}

// block prints "header {", the body, "}" — or "header {}" when the body is
// empty.
func (p *printer) block(ind int, header string, body func()) {
	p.line(ind, header, " {")
	mark := p.buf.Len()
	body()
	if p.buf.Len() == mark {
		p.buf.Truncate(mark - 1) // the newline after "{"
		p.buf.WriteString("}\n")
		return
	}
	p.line(ind, "}")
}

// messageBody prints a message's (or group's) declarations in a fixed
// order: reserved, options, fields, oneofs, extension ranges, extends,
// nested messages, nested enums. name is the message's full name.
func (p *printer) messageBody(ind int, md *descriptorpb.DescriptorProto, name string) {
	p.reserved(ind, md.GetReservedRange(), md.GetReservedName())
	for _, o := range p.optionStmts(p.res.MessageNode(md), name) {
		p.line(ind, o)
	}

	var plain []*descriptorpb.FieldDescriptorProto
	byOneof := make([][]*descriptorpb.FieldDescriptorProto, len(md.GetOneofDecl()))
	for _, f := range md.GetField() {
		if f.OneofIndex != nil && !f.GetProto3Optional() {
			byOneof[f.GetOneofIndex()] = append(byOneof[f.GetOneofIndex()], f)
		} else {
			plain = append(plain, f)
		}
	}
	if p.norm {
		sortFields(plain)
	}
	for _, f := range plain {
		p.field(ind, f, md.GetNestedType(), name)
	}

	type oneof struct {
		decl   *descriptorpb.OneofDescriptorProto
		fields []*descriptorpb.FieldDescriptorProto
	}
	var oneofs []oneof
	for i, od := range md.GetOneofDecl() {
		if len(byOneof[i]) > 0 { // proto3 optional fields' synthetic oneofs have none here
			oneofs = append(oneofs, oneof{od, byOneof[i]})
		}
	}
	if p.norm {
		for _, o := range oneofs {
			sortFields(o.fields)
		}
		sort.SliceStable(oneofs, func(i, j int) bool {
			return oneofs[i].fields[0].GetNumber() < oneofs[j].fields[0].GetNumber()
		})
	}
	for _, o := range oneofs {
		p.block(ind, "oneof "+o.decl.GetName(), func() {
			for _, opt := range p.optionStmts(p.res.OneofNode(o.decl), name) {
				p.line(ind+1, opt)
			}
			for _, f := range o.fields {
				p.field(ind+1, f, md.GetNestedType(), name)
			}
		})
	}

	p.extensionRanges(ind, md, name)
	p.extends(ind, md.GetExtension(), md.GetNestedType(), name)

	groups := p.groupMessages(md.GetExtension(), md.GetField())
	for _, nested := range md.GetNestedType() {
		if nested.GetOptions().GetMapEntry() || groups[nested.GetName()] {
			continue
		}
		p.message(ind, nested, name)
	}
	for _, ed := range md.GetEnumType() {
		p.enum(ind, ed, name)
	}
}

func sortFields(fs []*descriptorpb.FieldDescriptorProto) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].GetNumber() < fs[j].GetNumber() })
}

// field prints one field, map field or group. siblings are the messages
// declared next to it (where a group's body message and a map's entry
// live); scope is the full name of the enclosing message (or package, for
// file-level extensions).
func (p *printer) field(ind int, f *descriptorpb.FieldDescriptorProto, siblings []*descriptorpb.DescriptorProto, scope string) {
	node := p.res.FieldNode(f)
	num := strconv.Itoa(int(f.GetNumber()))
	opts := p.compactOptions(node, scope, f)
	switch n := node.(type) {
	case *ast.MapFieldNode:
		key, val := n.MapType.KeyType.Val, string(n.MapType.ValueType.AsIdentifier())
		if p.norm {
			if entry := find(siblings, lastName(f.GetTypeName())); entry != nil && len(entry.GetField()) == 2 {
				key, val = typeName(entry.GetField()[0]), typeName(entry.GetField()[1])
			}
		}
		p.line(ind, "map<", key, ", ", val, "> ", f.GetName(), " = ", num, opts, ";")
	case *ast.GroupNode:
		body := find(siblings, lastName(f.GetTypeName()))
		header := labelText(n.Label) + "group " + n.Name.Val + " = " + num + opts
		p.block(ind, header, func() {
			if body != nil {
				p.messageBody(ind+1, body, join(scope, body.GetName()))
			}
		})
	case *ast.FieldNode:
		t := string(n.FldType.AsIdentifier())
		if p.norm {
			t = typeName(f)
		}
		p.line(ind, labelText(n.Label), t, " ", f.GetName(), " = ", num, opts, ";")
	default: // no syntax tree: print from the descriptor alone
		lbl := ""
		switch f.GetLabel() {
		case descriptorpb.FieldDescriptorProto_LABEL_REPEATED:
			lbl = "repeated "
		case descriptorpb.FieldDescriptorProto_LABEL_REQUIRED:
			lbl = "required "
		}
		p.line(ind, lbl, typeName(f), " ", f.GetName(), " = ", num, opts, ";")
	}
}

func labelText(l ast.FieldLabel) string {
	if !l.IsPresent() {
		return ""
	}
	return l.Val + " "
}

// typeName is a field's type as the normalized form writes it: a scalar
// keyword or a fully-qualified name with a leading dot.
func typeName(f *descriptorpb.FieldDescriptorProto) string {
	switch f.GetType() {
	case descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, descriptorpb.FieldDescriptorProto_TYPE_ENUM, descriptorpb.FieldDescriptorProto_TYPE_GROUP:
		return f.GetTypeName()
	}
	return strings.ToLower(strings.TrimPrefix(f.GetType().String(), "TYPE_"))
}

func find(msgs []*descriptorpb.DescriptorProto, name string) *descriptorpb.DescriptorProto {
	for _, m := range msgs {
		if m.GetName() == name {
			return m
		}
	}
	return nil
}

func lastName(full string) string { return full[strings.LastIndexByte(full, '.')+1:] }

func join(scope, name string) string {
	if scope == "" {
		return name
	}
	return scope + "." + name
}

// reserved prints a message's reserved numbers (end exclusive) and names.
func (p *printer) reserved(ind int, ranges []*descriptorpb.DescriptorProto_ReservedRange, names []string) {
	rs := make([][2]int32, len(ranges))
	for i, r := range ranges {
		rs[i] = [2]int32{r.GetStart(), r.GetEnd() - 1}
	}
	p.reservedStmts(ind, rs, names, maxFieldNumber)
}

const (
	maxFieldNumber      = 536870911
	maxMessageSetNumber = math.MaxInt32 - 1
)

// reservedStmts prints "reserved" for inclusive ranges and for names.
func (p *printer) reservedStmts(ind int, ranges [][2]int32, names []string, maxNum int32) {
	if p.norm {
		sort.Slice(ranges, func(i, j int) bool { return ranges[i][0] < ranges[j][0] })
		names = append([]string(nil), names...)
		sort.Strings(names)
	}
	if len(ranges) > 0 {
		parts := make([]string, len(ranges))
		for i, r := range ranges {
			parts[i] = rangeText(r[0], r[1], maxNum)
		}
		p.line(ind, "reserved ", strings.Join(parts, ", "), ";")
	}
	if len(names) > 0 {
		parts := make([]string, len(names))
		for i, n := range names {
			if p.syntax == protoreflect.Editions {
				parts[i] = n // editions reserve identifiers, not strings
			} else {
				parts[i] = quote(n)
			}
		}
		p.line(ind, "reserved ", strings.Join(parts, ", "), ";")
	}
}

func rangeText(start, end, maxNum int32) string {
	switch {
	case start == end:
		return strconv.Itoa(int(start))
	case end == maxNum:
		return strconv.Itoa(int(start)) + " to max"
	}
	return strconv.Itoa(int(start)) + " to " + strconv.Itoa(int(end))
}

// extensionRanges prints "extensions" statements: as declared (ranges that
// share a statement and its options stay together), or one sorted range
// per statement when normalizing.
func (p *printer) extensionRanges(ind int, md *descriptorpb.DescriptorProto, scope string) {
	maxNum := int32(maxFieldNumber)
	if md.GetOptions().GetMessageSetWireFormat() {
		maxNum = maxMessageSetNumber
	}
	type stmt struct {
		node   ast.Node
		ranges []*descriptorpb.DescriptorProto_ExtensionRange
	}
	var stmts []stmt
	for _, r := range md.GetExtensionRange() {
		node := p.res.ExtensionsNode(r)
		if !p.norm && len(stmts) > 0 && stmts[len(stmts)-1].node == ast.Node(node) {
			stmts[len(stmts)-1].ranges = append(stmts[len(stmts)-1].ranges, r)
			continue
		}
		stmts = append(stmts, stmt{node, []*descriptorpb.DescriptorProto_ExtensionRange{r}})
	}
	if p.norm {
		sort.SliceStable(stmts, func(i, j int) bool { return stmts[i].ranges[0].GetStart() < stmts[j].ranges[0].GetStart() })
	}
	for _, s := range stmts {
		parts := make([]string, len(s.ranges))
		for i, r := range s.ranges {
			parts[i] = rangeText(r.GetStart(), r.GetEnd()-1, maxNum)
		}
		opts := ""
		if n, ok := s.node.(ast.NodeWithOptions); ok {
			opts = p.compactOptions(n, scope, nil)
		}
		p.line(ind, "extensions ", strings.Join(parts, ", "), opts, ";")
	}
}

// extends prints extension fields in "extend" blocks: as declared, or one
// block per extended message (fully qualified, fields sorted) when
// normalizing. siblings are the messages of the scope (group bodies).
func (p *printer) extends(ind int, exts []*descriptorpb.FieldDescriptorProto, siblings []*descriptorpb.DescriptorProto, scope string) {
	type block struct {
		key      any // the *ast.ExtendNode, or the extendee when normalizing
		extendee string
		fields   []*descriptorpb.FieldDescriptorProto
	}
	var blocks []*block
	byKey := map[any]*block{}
	for _, f := range exts {
		var key any
		extendee := f.GetExtendee()
		if p.norm {
			key = extendee
		} else {
			key = f // no syntax tree: a block per field
			if n := extendNode(p.res.FieldNode(f)); n != nil {
				key, extendee = n, string(n.Extendee.AsIdentifier())
			}
		}
		b := byKey[key]
		if b == nil {
			b = &block{key: key, extendee: extendee}
			byKey[key] = b
			blocks = append(blocks, b)
		}
		b.fields = append(b.fields, f)
	}
	for _, b := range blocks {
		if p.norm {
			sortFields(b.fields)
		}
		p.block(ind, "extend "+b.extendee, func() {
			for _, f := range b.fields {
				p.field(ind+1, f, siblings, scope)
			}
		})
	}
}

func extendNode(n ast.FieldDeclNode) *ast.ExtendNode {
	switch n := n.(type) {
	case *ast.FieldNode:
		return n.Extendee
	case *ast.GroupNode:
		return n.Extendee
	}
	return nil
}

// enum prints an enum declaration. When normalizing, the first value stays
// first (it is the default in proto2 and must be zero in proto3) and the
// rest are sorted by number, then name.
func (p *printer) enum(ind int, ed *descriptorpb.EnumDescriptorProto, scope string) {
	name := join(scope, ed.GetName())
	p.block(ind, "enum "+ed.GetName(), func() {
		rs := make([][2]int32, len(ed.GetReservedRange()))
		for i, r := range ed.GetReservedRange() {
			rs[i] = [2]int32{r.GetStart(), r.GetEnd()} // inclusive for enums
		}
		p.reservedStmts(ind+1, rs, ed.GetReservedName(), math.MaxInt32)
		for _, o := range p.optionStmts(p.res.EnumNode(ed), name) {
			p.line(ind+1, o)
		}
		values := append([]*descriptorpb.EnumValueDescriptorProto(nil), ed.GetValue()...)
		if p.norm && len(values) > 1 {
			rest := values[1:]
			sort.SliceStable(rest, func(i, j int) bool {
				if rest[i].GetNumber() != rest[j].GetNumber() {
					return rest[i].GetNumber() < rest[j].GetNumber()
				}
				return rest[i].GetName() < rest[j].GetName()
			})
		}
		for _, v := range values {
			opts := p.compactOptions(p.res.EnumValueNode(v), name, nil)
			p.line(ind+1, v.GetName(), " = ", strconv.Itoa(int(v.GetNumber())), opts, ";")
		}
	})
}

// service prints a service and its methods (in declaration order, also
// when normalizing: Confluent keeps them).
func (p *printer) service(sd *descriptorpb.ServiceDescriptorProto, scope string) {
	name := join(scope, sd.GetName())
	p.block(0, "service "+sd.GetName(), func() {
		for _, o := range p.optionStmts(p.res.ServiceNode(sd), name) {
			p.line(1, o)
		}
		for _, md := range sd.GetMethod() {
			in, out := md.GetInputType(), md.GetOutputType()
			node, _ := p.res.MethodNode(md).(*ast.RPCNode)
			if !p.norm && node != nil {
				in, out = string(node.Input.MessageType.AsIdentifier()), string(node.Output.MessageType.AsIdentifier())
			}
			if md.GetClientStreaming() {
				in = "stream " + in
			}
			if md.GetServerStreaming() {
				out = "stream " + out
			}
			header := "rpc " + md.GetName() + " (" + in + ") returns (" + out + ")"
			var opts []string
			if node != nil {
				opts = p.optionStmts(node, join(name, md.GetName()))
			}
			if len(opts) == 0 {
				p.line(1, header, ";")
				continue
			}
			p.line(1, header, " {")
			for _, o := range opts {
				p.line(2, o)
			}
			p.line(1, "}")
		}
	})
}

// option is one option as printed: its name and its "name = value" text.
type option struct {
	name, text string
}

// options returns the options declared on n, in declaration order (sorted
// by name when normalizing). f, when set, is the field they belong to: the
// normalized form drops a json_name equal to the default.
func (p *printer) options(n ast.NodeWithOptions, scope string, f *descriptorpb.FieldDescriptorProto) []option {
	if n == nil {
		return nil
	}
	var out []option
	for _, o := range optionNodes(n) {
		name := p.optionName(o.Name, scope)
		if p.norm && f != nil && name == "json_name" {
			if s, ok := o.Val.Value().(string); ok && s == jsonName(f.GetName()) {
				continue
			}
		}
		out = append(out, option{name, name + " = " + p.value(o.Val)})
	}
	if p.norm {
		sort.SliceStable(out, func(i, j int) bool { return out[i].name < out[j].name })
	}
	return out
}

// optionNodes lists the options declared on n. (RangeOptions of nodes with
// compact options dereferences them even when there are none.)
func optionNodes(n ast.NodeWithOptions) []*ast.OptionNode {
	var compact *ast.CompactOptionsNode
	switch n := n.(type) {
	case ast.FieldDeclNode:
		compact = n.GetOptions()
	case *ast.EnumValueNode:
		compact = n.Options
	case *ast.ExtensionRangeNode:
		compact = n.Options
	default:
		var out []*ast.OptionNode
		n.RangeOptions(func(o *ast.OptionNode) bool {
			out = append(out, o)
			return true
		})
		return out
	}
	if compact == nil {
		return nil
	}
	return compact.Options
}

// optionStmts returns "option name = value;" statements.
func (p *printer) optionStmts(n ast.NodeWithOptions, scope string) []string {
	opts := p.options(n, scope, nil)
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = "option " + o.text + ";"
	}
	return out
}

// compactOptions returns " [a = 1, b = 2]", or "" for none.
func (p *printer) compactOptions(n ast.NodeWithOptions, scope string, f *descriptorpb.FieldDescriptorProto) string {
	opts := p.options(n, scope, f)
	if len(opts) == 0 {
		return ""
	}
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = o.text
	}
	return " [" + strings.Join(parts, ", ") + "]"
}

// optionName prints an option name; when normalizing, extension names are
// fully qualified.
func (p *printer) optionName(n *ast.OptionNameNode, scope string) string {
	parts := make([]string, len(n.Parts))
	for i, part := range n.Parts {
		name := string(part.Name.AsIdentifier())
		if part.IsExtension() {
			if p.norm {
				name = p.resolveExtension(name, scope)
			}
			name = "(" + name + ")"
		}
		parts[i] = name
	}
	return strings.Join(parts, ".")
}

// resolveExtension finds the extension a relative name in an option name
// refers to, searching scope and then its parents, as protoc does; it
// returns the name with a leading dot, or name unchanged if nothing
// matches (it always should: the file compiled).
func (p *printer) resolveExtension(name, scope string) string {
	if strings.HasPrefix(name, ".") {
		return name
	}
	for {
		full := join(scope, name)
		if d, err := p.lookup.FindDescriptorByName(protoreflect.FullName(full)); err == nil {
			if f, ok := d.(protoreflect.FieldDescriptor); ok && f.IsExtension() {
				return "." + full
			}
		}
		if scope == "" {
			return name
		}
		scope = scope[:max(strings.LastIndexByte(scope, '.'), 0)]
	}
}

// value prints an option value from its parsed form: numbers in decimal,
// strings re-escaped, message literals as "{ name: value, ... }" (fields
// sorted by name when normalizing).
func (p *printer) value(v ast.ValueNode) string {
	if n, ok := v.(*ast.NegativeIntLiteralNode); ok {
		return "-" + strconv.FormatUint(n.Uint.Val, 10) // keeps "-0", a negative zero for floats
	}
	switch val := v.Value().(type) {
	case string:
		return quote(val)
	case uint64:
		return strconv.FormatUint(val, 10)
	case int64:
		return strconv.FormatInt(val, 10)
	case float64:
		return formatFloat(val)
	case ast.Identifier:
		return string(val)
	case []ast.ValueNode:
		parts := make([]string, len(val))
		for i, e := range val {
			parts[i] = p.value(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []*ast.MessageFieldNode:
		if len(val) == 0 {
			return "{}"
		}
		type kv struct{ name, text string }
		parts := make([]kv, len(val))
		for i, f := range val {
			name := p.literalFieldName(f.Name)
			parts[i] = kv{name, name + ": " + p.value(f.Val)}
		}
		if p.norm {
			sort.SliceStable(parts, func(i, j int) bool { return parts[i].name < parts[j].name })
		}
		texts := make([]string, len(parts))
		for i, kv := range parts {
			texts[i] = kv.text
		}
		return "{ " + strings.Join(texts, ", ") + " }"
	case bool:
		return strconv.FormatBool(val)
	}
	return "" // a NoSourceNode; cannot happen for a parsed file
}

// literalFieldName prints a field name inside a message literal: a plain
// name, [extension.name] (fully qualified when normalizing) or
// [type.url/full.Name] for an Any.
func (p *printer) literalFieldName(n *ast.FieldReferenceNode) string {
	switch {
	case n.IsAnyTypeReference():
		return "[" + string(n.URLPrefix.AsIdentifier()) + "/" + string(n.Name.AsIdentifier()) + "]"
	case n.IsExtension():
		name := string(n.Name.AsIdentifier())
		if p.norm {
			if full := p.res.ResolveMessageLiteralExtensionName(n.Name); full != "" {
				name = strings.TrimPrefix(full, ".")
			}
		}
		return "[" + name + "]"
	}
	return string(n.Name.AsIdentifier())
}

// formatFloat prints a float so that it lexes as a float literal again.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// quote returns s as a double-quoted .proto string literal. Printable UTF-8
// stays as it is; other bytes become octal escapes.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && size <= 1, r < 0x20, r == 0x7f, r >= 0x80 && !unicode.IsPrint(r):
			for _, c := range []byte(s[i : i+size]) {
				b.WriteString(`\` + strconv.FormatUint(uint64(c)|0o1000, 8)[1:])
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// jsonName is the JSON name protoc gives a field that declares none:
// underscores dropped, the letter after each one upper-cased.
func jsonName(name string) string {
	var b strings.Builder
	up := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' {
			up = true
			continue
		}
		if up && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b.WriteByte(c)
	}
	return b.String()
}
