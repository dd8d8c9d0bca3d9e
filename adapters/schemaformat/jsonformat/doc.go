// Package jsonformat is being written.
package jsonformat

import _ "github.com/santhosh-tekuri/jsonschema/v6"
