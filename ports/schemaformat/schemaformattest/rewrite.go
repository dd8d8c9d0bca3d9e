package schemaformattest

import "flag"

// Rewrite is the -rewrite flag of every schema format's tests: golden
// files in testdata are rewritten from the results found instead of
// compared with them; review the diff.
var Rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata from the current results")
