// Package protoformat is being written.
package protoformat

import _ "github.com/bufbuild/protocompile"
