// Package avroformat is being written.
package avroformat

import _ "github.com/hamba/avro/v2"
