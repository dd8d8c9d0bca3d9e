package search

// Query is one node of a query tree: one of the types below.
type Query interface{ isQuery() }

// Scalar is a value in a query or a bound: string, int64, float64 or bool.
// A string bound of a date field may hold date math ("now-1h/d").
type Scalar = any

// Operator combines the terms of analyzed text.
type Operator int8

const (
	Or  Operator = iota // any term (the default)
	And                 // every term
)

// Fuzziness is a maximum edit distance (0, 1 or 2), or Auto for ES's
// AUTO: 0 for terms of 1-2 characters, 1 for 3-5, 2 above.
type Fuzziness int8

// Auto is Fuzziness AUTO; NoFuzziness matches exactly.
const (
	NoFuzziness Fuzziness = 0
	Auto        Fuzziness = -1
)

// MatchAll matches every document, each with score Boost (1 when 0).
type MatchAll struct{ Boost float64 }

// MatchNone matches nothing.
type MatchNone struct{}

// Match analyzes Text with the field's analyzer (or Analyzer) and
// matches documents holding its terms: any of them (Or, at least
// MinimumShouldMatch) or all (And). Fuzziness applies to each term; on a
// field that is not text, Match is a Term of the whole text.
type Match struct {
	Field              string
	Text               string
	Operator           Operator
	MinimumShouldMatch string // ES syntax: "2", "-1", "75%", "3<90%"; "" for none
	Fuzziness          Fuzziness
	PrefixLength       int // leading characters a fuzzy term must share
	Analyzer           string
	Boost              float64
}

// MatchPhrase matches the analyzed terms of Text in order, with at most
// Slop positions moved.
type MatchPhrase struct {
	Field    string
	Text     string
	Slop     int
	Analyzer string
	Boost    float64
}

// MatchPhrasePrefix is MatchPhrase whose last term is a prefix, expanded
// to at most MaxExpansions terms (50 when 0).
type MatchPhrasePrefix struct {
	Field         string
	Text          string
	Slop          int
	MaxExpansions int
	Analyzer      string
	Boost         float64
}

// MultiMatchType is how MultiMatch combines its fields.
type MultiMatchType int8

const (
	BestFields   MultiMatchType = iota // the best field's score (the default)
	MostFields                         // the sum of the fields' scores
	CrossFields                        // the fields as one field
	Phrase                             // MatchPhrase on each field, best score
	PhrasePrefix                       // MatchPhrasePrefix on each field, best score
	BoolPrefix                         // every term a term query but the last a prefix
)

// MultiMatch is Match over several fields ("title^2" boosts a field;
// "*" and "name.*" patterns are expanded against the mapping).
type MultiMatch struct {
	Fields             []string
	Text               string
	Type               MultiMatchType
	Operator           Operator
	MinimumShouldMatch string
	Fuzziness          Fuzziness
	Slop               int
	TieBreaker         float64
	Analyzer           string
	Boost              float64
}

// Term matches documents whose field holds Value exactly (not analyzed).
type Term struct {
	Field           string
	Value           Scalar
	CaseInsensitive bool
	Boost           float64
}

// Terms matches documents whose field holds any of Values.
type Terms struct {
	Field  string
	Values []Scalar
	Boost  float64
}

// Range matches documents whose field lies within the bounds (nil for
// none). Date bounds are date math or dates in Format (ES's formats;
// strict_date_optional_time||epoch_millis when empty), in TimeZone when
// they carry none.
type Range struct {
	Field    string
	GT, GTE  Scalar
	LT, LTE  Scalar
	Format   string
	TimeZone string
	Boost    float64
}

// Bool combines clauses: a document matches when it matches every Must
// and Filter clause, none of MustNot, and at least MinimumShouldMatch of
// Should (by default 1 when there are no Must or Filter clauses, else 0).
// Its score is the sum of its Must and matching Should clauses' scores;
// Filter and MustNot do not score.
type Bool struct {
	Must, Should, MustNot, Filter []Query
	MinimumShouldMatch            string
	Boost                         float64
}

// Prefix matches terms of the field that start with Value.
type Prefix struct {
	Field           string
	Value           string
	CaseInsensitive bool
	Boost           float64
}

// Wildcard matches terms against a pattern of ? (one character) and *
// (any run).
type Wildcard struct {
	Field           string
	Value           string
	CaseInsensitive bool
	Boost           float64
}

// Regexp matches terms against a Lucene regular expression (anchored at
// both ends).
type Regexp struct {
	Field           string
	Value           string
	CaseInsensitive bool
	Boost           float64
}

// Fuzzy matches terms within Fuzziness edits of Value.
type Fuzzy struct {
	Field         string
	Value         string
	Fuzziness     Fuzziness
	PrefixLength  int
	MaxExpansions int // 50 when 0
	Boost         float64
}

// Exists matches documents with a non-null value in the field.
type Exists struct{ Field string }

// IDs matches documents by id ("<partition>-<offset>").
type IDs struct{ Values []string }

// ConstantScore matches what Filter matches, each with score Boost (1
// when 0).
type ConstantScore struct {
	Filter Query
	Boost  float64
}

func (MatchAll) isQuery()          {}
func (MatchNone) isQuery()         {}
func (Match) isQuery()             {}
func (MatchPhrase) isQuery()       {}
func (MatchPhrasePrefix) isQuery() {}
func (MultiMatch) isQuery()        {}
func (Term) isQuery()              {}
func (Terms) isQuery()             {}
func (Range) isQuery()             {}
func (Bool) isQuery()              {}
func (Prefix) isQuery()            {}
func (Wildcard) isQuery()          {}
func (Regexp) isQuery()            {}
func (Fuzzy) isQuery()             {}
func (Exists) isQuery()            {}
func (IDs) isQuery()               {}
func (ConstantScore) isQuery()     {}
